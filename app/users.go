package app

import (
	"context"
	"strconv"
	"strings"

	"civicgrid"
	"civicgrid/auth"
	"civicgrid/org"
	"civicgrid/store"
)

// Staff accounts, as the REST API and the console's administration pages create and reset them:
// one rule for both. An administrator creates accounts only with grants inside the units they
// administer, and resets only the passwords of accounts whose every grant lies inside them (a
// district's administrator cannot take over a city administrator's account).

// NewUserInput is a staff account to create.
type NewUserInput struct {
	Login      string      `json:"login"`
	Name       string      `json:"name"`
	Password   string      `json:"password"`
	WorkerType string      `json:"worker_type,omitempty"`
	Grants     []org.Grant `json:"grants"`
}

// holdsRole reports whether p holds one of roles over path (anywhere when path is empty).
func holdsRole(p Principal, path string, roles ...org.Role) bool {
	if p.User == nil {
		return false
	}
	for _, g := range p.User.Grants {
		for _, role := range roles {
			if g.Role == role && (path == "" || org.Contains(g.UnitPath, path)) {
				return true
			}
		}
	}
	return false
}

// needAdmin refuses, and logs, a principal that does not administer path.
func (a *App) needAdmin(ctx context.Context, p Principal, path, object string) error {
	if holdsRole(p, path, org.RoleAdmin) {
		return nil
	}
	err := civicgrid.Errorf(civicgrid.EFORBIDDEN, "this needs the admin role over the unit concerned")
	return a.deny(ctx, p, object, civicgrid.ErrorMessage(err), err)
}

// CreateUser creates a staff account with its grants, each inside the units p administers, and
// writes it to the audit log.
func (a *App) CreateUser(ctx context.Context, p Principal, in NewUserInput) (*org.User, error) {
	if err := a.needAdmin(ctx, p, "", "users"); err != nil {
		return nil, err
	}
	tree := a.Config().Tree
	detail := make([]string, 0, len(in.Grants))
	for i, g := range in.Grants {
		u, ok := tree.Unit(g.Unit)
		if !ok {
			return nil, civicgrid.Errorf(civicgrid.EINVALID, "grant names unit %q, which does not exist", g.Unit).WithDetail("field", "grants")
		}
		if err := a.needAdmin(ctx, p, u.Path, "users"); err != nil {
			return nil, err
		}
		in.Grants[i].UnitPath = u.Path
		detail = append(detail, string(g.Role)+"@"+u.ID)
	}
	if err := auth.CheckPasswordPolicy(in.Password); err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u, err := a.DB.CreateUser(ctx, store.NewUser{Login: strings.TrimSpace(in.Login), Name: strings.TrimSpace(in.Name),
		PasswordHash: hash, WorkerType: in.WorkerType, Grants: in.Grants})
	if err != nil {
		return nil, err
	}
	a.audit(ctx, store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "user_created", Object: "user/" + strconv.FormatInt(u.ID, 10),
		Detail: u.Login + " " + strings.Join(detail, " ")})
	return u, nil
}

// CanManage reports whether p administers every unit u is granted, and so may reset u's password.
func CanManage(p Principal, u *org.User) bool {
	if len(u.Grants) == 0 || p.UserID() == u.ID {
		return false
	}
	for _, g := range u.Grants {
		if !holdsRole(p, g.UnitPath, org.RoleAdmin) {
			return false
		}
	}
	return true
}

// ResetPassword sets a new password for the account id, which p must manage (CanManage).
func (a *App) ResetPassword(ctx context.Context, p Principal, id int64, password string) error {
	target, err := a.DB.User(ctx, id)
	if err != nil {
		return err
	}
	if !CanManage(p, target) {
		err := civicgrid.Errorf(civicgrid.EFORBIDDEN, "only an administrator of every unit %s is granted may reset the password", target.Login)
		return a.deny(ctx, p, "user/"+strconv.FormatInt(id, 10)+"/password", civicgrid.ErrorMessage(err), err)
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if err := a.DB.SetPassword(ctx, target.ID, hash); err != nil {
		return err
	}
	a.audit(ctx, store.AuditEntry{UserID: p.UserID(), Actor: p.Name(), Kind: "password_reset", Object: "user/" + strconv.FormatInt(target.ID, 10), Detail: target.Login})
	return nil
}
