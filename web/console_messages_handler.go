package web

// handlerMessages are the catalogue entries of the department handler's pages.
var handlerMessages = map[string]msg{
	"nav.unit_tasks": {Zh: "部门任务", En: "Unit tasks"},

	"unit.title":             {Zh: "部门任务", En: "Unit tasks"},
	"unit.units":             {Zh: "本单位：", En: "Units:"},
	"unit.tabs":              {Zh: "任务分类", En: "Task lists"},
	"unit.tab_sign":          {Zh: "待签收", En: "To sign"},
	"unit.tab_sign_hint":     {Zh: "派给本单位的案件：签收后开始处置；不属本单位职责的，说明理由退回。", En: "Cases dispatched to your unit: sign to start work, or return them with the reason when they are not yours."},
	"unit.tab_handling":      {Zh: "处置中", En: "In hand"},
	"unit.tab_handling_hint": {Zh: "已签收的案件：处置完毕后填写结果并上传处置前后照片；来不及的申请延期或挂账。", En: "Signed cases: report the result with photos before and after; ask for more time or a suspension when needed."},
	"unit.tab_rework":        {Zh: "返工", En: "Rework"},
	"unit.tab_rework_hint":   {Zh: "核查未通过或群众不满意退回的案件，须重新签收处置。", En: "Cases that failed the check or left the resident dissatisfied: sign and handle them again."},
	"unit.empty":             {Zh: "暂无案件。", En: "No cases."},
	"unit.full_case":         {Zh: "完整案件页", En: "Full case page"},
	"unit.back":              {Zh: "返回任务列表", En: "Back to the list"},
	"unit.pending":           {Zh: "待审批", En: "Awaiting decision"},
	"unit.photo_before":      {Zh: "处置前照片（不超过 %d MiB）", En: "Photo before (at most %d MiB)"},
	"unit.photo_after":       {Zh: "处置后照片（不超过 %d MiB）", En: "Photo after (at most %d MiB)"},
}
