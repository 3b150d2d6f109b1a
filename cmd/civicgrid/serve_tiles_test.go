package main

import (
	"net/http"
	"strings"
	"testing"

	"civicgrid/store/storetest"
)

// TestServeTileFlags: --tile-url adds exactly the tile service's origin to the pages' img-src; a
// template the console cannot use stops the server at start with the reason.
func TestServeTileFlags(t *testing.T) {
	csp := func(url string) string {
		res, err := http.Get(url + "/login")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header.Get("Content-Security-Policy")
	}
	plain := startServer(t, "--db", storetest.SQLiteDSN(t))
	if got := csp(plain.url); !strings.Contains(got, "img-src 'self';") {
		t.Fatalf("policy without tiles: %s", got)
	}
	tiled := startServer(t, "--db", storetest.SQLiteDSN(t), "--tile-url", "https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk={key}", "--tile-key", "abc")
	if got := csp(tiled.url); !strings.Contains(got, "img-src 'self' https://t0.tianditu.gov.cn;") || strings.Count(got, "tianditu") != 1 {
		t.Fatalf("policy with tiles: %s", got)
	}
	for _, args := range [][]string{
		{"--tile-url", "https://a.example/{z}/{x}.png"},
		{"--tile-url", "https://a.example/{z}/{x}/{y}.png", "--tile-crs", "bd09"},
		{"--tile-key", "abc"},
	} {
		all := append([]string{"serve", "--db", storetest.SQLiteDSN(t), "--addr", "127.0.0.1:0"}, args...)
		if _, err := runCommand(t, all...); err == nil || !strings.Contains(err.Error(), "tile") {
			t.Fatalf("serve %v: %v", args, err)
		}
	}
}
