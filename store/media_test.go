package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"civicgrid"
	"civicgrid/clock"
	"civicgrid/store"
	"civicgrid/store/storetest"
)

// TestMediaRoundTrip stores bytes of every value (NUL included) and reads them back unchanged with
// their record, on both databases.
func TestMediaRoundTrip(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)
		db.Clock = clock.NewFake(at)
		data := make([]byte, 3*256)
		for i := range data {
			data[i] = byte(i)
		}
		m := &store.Media{ID: "abcdefghijklmnopqrstuvwxyz012345", SHA256: "00ff", ContentType: "image/png", Size: int64(len(data)), CreatedBy: "tester"}
		if err := db.PutMedia(ctx, m, data); err != nil {
			t.Fatal(err)
		}
		if !m.CreatedAt.Equal(at) {
			t.Fatalf("created at %v, want %v", m.CreatedAt, at)
		}
		got, b, err := db.Media(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("read back %d bytes that differ from the %d stored", len(b), len(data))
		}
		if *got != *m {
			t.Fatalf("record %+v, want %+v", got, m)
		}
		info, err := db.MediaInfo(ctx, m.ID)
		if err != nil || *info != *m {
			t.Fatalf("info %+v %v", info, err)
		}
		// IDs are chosen by the caller at random; a collision is refused, not overwritten.
		other := *m
		if err := db.PutMedia(ctx, &other, []byte("x")); err == nil {
			t.Fatal("a size that does not match the bytes was stored")
		}
		other.Size = 1
		if err := db.PutMedia(ctx, &other, []byte("x")); !civicgrid.IsCode(err, civicgrid.ECONFLICT) {
			t.Fatalf("storing a taken ID: %v", err)
		}
		if _, b, _ := db.Media(ctx, m.ID); !bytes.Equal(b, data) {
			t.Fatal("the taken ID was overwritten")
		}
		if _, _, err := db.Media(ctx, "nosuchmediaidnosuchmediaidnosuch"); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Fatalf("unknown media: %v", err)
		}
		if _, err := db.MediaInfo(ctx, "nosuchmediaidnosuchmediaidnosuch"); !civicgrid.IsCode(err, civicgrid.ENOTFOUND) {
			t.Fatalf("unknown media info: %v", err)
		}
	})
}
