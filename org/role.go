package org

import "civicgrid"

// Role is a staff role. Each grant of a role is scoped to a unit's subtree.
type Role string

const (
	RoleGridWorker  Role = "grid_worker"  // 网格员 / 监督员: reports, confirms and checks on site
	RoleIntake      Role = "intake"       // 受理员: takes reports in, asks for confirmation, files or rejects
	RoleShiftLeader Role = "shift_leader" // 值班长: files, rules on disputes, voids
	RoleDispatcher  Role = "dispatcher"   // 派遣员: dispatches, approves extensions and suspensions
	RoleHandler     Role = "handler"      // 处置人员 of a department or territorial unit
	RoleLeader      Role = "leader"       // 领导: supervises, summons (吹哨), reads everything in scope
	RoleAdmin       Role = "admin"        // 管理员: configuration, users
	RoleAuditor     Role = "auditor"      // 审计: reads everything in scope, changes nothing
	// Not staff: residents reporting through the portal, Open311 or the hotline, and the system
	// itself (sensors, timers).
	RoleResident Role = "resident"
	RoleSystem   Role = "system"
)

// StaffRoles are the roles that can be granted to accounts.
var StaffRoles = []Role{RoleGridWorker, RoleIntake, RoleShiftLeader, RoleDispatcher, RoleHandler, RoleLeader, RoleAdmin, RoleAuditor}

// ValidStaffRole reports whether r can be granted to a staff account.
func ValidStaffRole(r Role) error {
	for _, s := range StaffRoles {
		if r == s {
			return nil
		}
	}
	return civicgrid.Errorf(civicgrid.EINVALID, "role %q is not one of grid_worker, intake, shift_leader, dispatcher, handler, leader, admin, auditor", r).WithDetail("field", "role")
}

// Grant is one role held over one unit's subtree.
type Grant struct {
	Role     Role   `json:"role"`
	Unit     string `json:"unit"`
	UnitPath string `json:"unit_path,omitempty"`
}

// User is a staff account.
type User struct {
	ID       int64   `json:"id"`
	Login    string  `json:"login"`
	Name     string  `json:"name"`
	Grants   []Grant `json:"grants"`
	Disabled bool    `json:"disabled,omitempty"`
	// WorkerType is the grid worker type (出租屋, 安全生产, 消防, 市容巡查, 综合) where relevant.
	WorkerType string `json:"worker_type,omitempty"`
}

// Actor is who performs an action: a user acting in one of their grants, a resident, or the system.
type Actor struct {
	UserID   int64  `json:"user_id,omitempty"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Unit     string `json:"unit,omitempty"`
	UnitPath string `json:"unit_path,omitempty"`
}

// SystemActor is the platform itself (timers, sensors).
var SystemActor = Actor{Name: "system", Role: RoleSystem}

// Scopes returns the unit paths the user can read within.
func (u *User) Scopes() []string {
	out := make([]string, 0, len(u.Grants))
	for _, g := range u.Grants {
		out = append(out, g.UnitPath)
	}
	return out
}

// ActorFor picks the user's grant that covers the given role (and, where unitPath is not empty, the
// grant whose subtree contains it). It returns false when the user holds no such grant.
func (u *User) ActorFor(role Role, unitPath string) (Actor, bool) {
	for _, g := range u.Grants {
		if g.Role != role {
			continue
		}
		if unitPath != "" && !Contains(g.UnitPath, unitPath) {
			continue
		}
		return Actor{UserID: u.ID, Name: u.Name, Role: g.Role, Unit: g.Unit, UnitPath: g.UnitPath}, true
	}
	return Actor{}, false
}
