package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/settlement"
)

// sheetWriter writes cells of one excelize-managed sheet (the front sheet,
// the contracts, the chart's table) row by row.
type sheetWriter struct {
	f     *excelize.File
	sheet string
	row   int
	err   error
}

// cell sets one cell; the first error sticks.
func (w *sheetWriter) cell(col, row int, v any, style int) {
	if w.err != nil {
		return
	}
	ref, err := excelize.CoordinatesToCellName(col, row)
	if err == nil && v != nil {
		err = w.f.SetCellValue(w.sheet, ref, v)
	}
	if err == nil && style != 0 {
		err = w.f.SetCellStyle(w.sheet, ref, ref, style)
	}
	w.err = err
}

// line writes values from column A on the next row and returns its number.
func (w *sheetWriter) line(style int, vals ...any) int {
	w.row++
	for i, v := range vals {
		w.cell(i+1, w.row, v, style)
	}
	return w.row
}

func (w *sheetWriter) skip(n int) { w.row += n }

func (w *sheetWriter) widths(ws ...float64) {
	for i, x := range ws {
		if w.err == nil {
			c := colName(i + 1)
			w.err = w.f.SetColWidth(w.sheet, c, c, x)
		}
	}
}

// print sets the sheet's page setup: A4, one page wide (fitHeight pages
// down, 0 for as many as it takes), page numbers in the footer.
func (w *sheetWriter) print(landscape bool, fitHeight int) {
	if w.err != nil {
		return
	}
	orient, size := "portrait", 9
	if landscape {
		orient = "landscape"
	}
	one := 1
	if w.err = w.f.SetPageLayout(w.sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &fitHeight}); w.err != nil {
		return
	}
	fit := true
	if w.err = w.f.SetSheetProps(w.sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); w.err != nil {
		return
	}
	l, r, t, bo, h, ft := 0.4, 0.4, 0.5, 0.6, 0.3, 0.3
	if w.err = w.f.SetPageMargins(w.sheet, &excelize.PageLayoutMarginsOptions{Left: &l, Right: &r, Top: &t, Bottom: &bo, Header: &h, Footer: &ft}); w.err != nil {
		return
	}
	w.err = w.f.SetHeaderFooter(w.sheet, &excelize.HeaderFooterOptions{OddFooter: "&L&A&R&P / &N"})
}

// writeRun writes the front sheet: what the workbook covers, whether it
// ties and reconciles, what needs a person and the command that resolves
// it, and what each sheet holds.
func (wb *workbook) writeRun() error {
	st, l, info := wb.st, wb.o.Lang, wb.info
	w := &sheetWriter{f: wb.f, sheet: SheetName(SheetRun, l)}
	w.widths(34, 30, 70)
	w.line(st.title, label(l, "파트너 정산 대사 보고서", "Partner settlement reconciliation"))
	w.skip(1)
	kv := func(k string, v any, style int) int {
		r := w.line(st.runLabel, k)
		w.cell(2, r, v, style)
		return r
	}
	w.line(st.section, label(l, "대상", "Scope"))
	kv(label(l, "기간 시작 (업무일)", "From (business date)"), dateSerial(info.From.Year, info.From.Month, info.From.Day), st.date)
	kv(label(l, "기간 종료 (업무일)", "To (business date)"), dateSerial(info.To.Year, info.To.Month, info.To.Day), st.date)
	kv(label(l, "생성 시각", "Generated at"), timeSerial(info.GeneratedAt.In(wb.o.Loc)), st.time)
	kv(label(l, "시간대", "Time zone"), wb.o.Loc.String(), st.text)
	kv(label(l, "소프트웨어 버전", "Software version"), wb.o.Version, st.text)
	w.skip(1)

	w.line(st.section, label(l, "합계", "Totals"))
	kv(label(l, "주문 수", "Orders"), int64(wb.orders.count), st.integer)
	kv(label(l, "취소 수", "Cancellations"), int64(wb.cancels.count), st.integer)
	kv(label(l, "주문 상세 행 수", "Order detail rows"), int64(wb.lines.count), st.integer)
	kv(label(l, "요약 행 수 (파트너 × 정산일)", "Summary rows (partner × settlement date)"), int64(len(wb.summary)), st.integer)
	kv(label(l, "정산금액 합계 (주문 − 취소)", "Total settlement (orders − cancellations)"), wb.settlementTotal, st.moneyBold)
	kv(label(l, "PortOne 정산금액 합계", "Total PortOne settlement"), wb.portOneSum, st.moneyBold)
	w.skip(1)

	mismatches := wb.mismatches.count
	failing := wb.problemCount[ProblemFailed] + wb.problemCount[ProblemConflict] + wb.problemCount[ProblemStuck]
	ties := wb.ties && wb.tiesLines
	reconciles := ties && mismatches == 0 && wb.unanswered == 0 && failing == 0 && wb.problemCount[ProblemUnsettled] == 0
	w.line(st.section, label(l, "검증", "Checks"))
	kv(label(l, "시트 간 합계 일치", "Totals tie between sheets"), yesNo(l, ties), st.okOrBad(ties))
	kv(label(l, "PortOne과 일치 (대사 완료)", "Reconciles with PortOne"), yesNo(l, reconciles), st.okOrBad(reconciles))
	kv(label(l, "PortOne 불일치 수", "Differences with PortOne"), int64(mismatches), st.integer)
	kv(label(l, "PortOne 미응답 이체 수", "Transfers PortOne has not answered"), int64(wb.unanswered), st.integer)
	kv(label(l, "처리가 필요한 항목 수", "Items that need attention"), int64(wb.problems.count), st.integer)
	kv(label(l, "확인이 필요한 지급 수", "Payouts that need attention"), int64(wb.payoutIssues), st.integer)
	kv(label(l, "정정 수 (무효·삭제 후 재등록·수동 조정)", "Corrections (voided, deleted and reposted, adjustments)"), int64(wb.corrections), st.integer)
	kv(label(l, "확인이 필요한 정정 수", "Corrections that need attention"), int64(wb.correctionIssues), st.integer)
	w.skip(1)

	w.line(st.section, label(l, "처리가 필요한 항목", "What needs attention"))
	type todo struct{ what, action string }
	var todos []todo
	if !ties {
		todos = append(todos, todo{label(l, "시트 간 합계 불일치", "The sheets do not tie"),
			label(l, "요약 시트의 검증 차이 행(빨간 칸)을 확인하고 개발팀에 알려 주세요", "see the red check cells under the Summary and report it")})
	}
	if mismatches > 0 {
		todos = append(todos, todo{fmt.Sprintf(label(l, "PortOne 불일치 %d건", "%d differences with PortOne"), mismatches),
			label(l, SheetName(SheetMismatches, l)+" 시트 참조; 원인 확인 후 settle run reconcile --date <업무일>", "see sheet "+SheetMismatches+"; once resolved, settle run reconcile --date <business date>")})
	}
	if wb.unanswered > 0 {
		todos = append(todos, todo{fmt.Sprintf(label(l, "PortOne 응답 없는 이체 %d건", "%d transfers without PortOne's answer"), wb.unanswered),
			"settle run sync --date " + info.To.String()})
	}
	for _, k := range []ProblemKind{ProblemFailed, ProblemConflict, ProblemStuck, ProblemUnsettled, ProblemRejected} {
		n := wb.problemCount[k]
		if n == 0 {
			continue
		}
		action := problemAction(l, wb.firstProblem[k])
		if n > 1 {
			action = label(l, SheetName(SheetProblems, l)+" 시트의 각 행 참조 (예: ", "see each row of sheet "+SheetProblems+" (e.g. ") + action + ")"
		}
		todos = append(todos, todo{fmt.Sprintf(label(l, "%s %d건", "%s: %d"), problemWord(l, k), n), action})
	}
	if wb.payoutIssues > 0 {
		todos = append(todos, todo{fmt.Sprintf(label(l, "확인이 필요한 지급 %d건", "payouts that need attention: %d"), wb.payoutIssues),
			label(l, SheetName(SheetPayouts, l)+" 시트의 확인 사유 참조 (실패·보류·제외·금액 차이: PortOne 콘솔에서 처리 후 settle run payouts --date <업무일>; 순액 음수: 파트너에게 회수하거나 이후 주문으로 상계)",
				"see the reasons on sheet "+SheetPayouts+" (failed, withheld, excluded, differing: once handled in PortOne's console, settle run payouts --date <business date>; a negative net: recover it from the partner or let later orders net it)")})
	}
	if wb.correctionIssues > 0 {
		todos = append(todos, todo{fmt.Sprintf(label(l, "확인이 필요한 정정 %d건", "%d corrections that need attention"), wb.correctionIssues),
			label(l, SheetName(SheetCorrections, l)+" 시트의 확인 사유 참조 (조정 실패·불일치, 재등록되지 않은 삭제 이체)",
				"see the reasons on sheet "+SheetCorrections+" (adjustments failed or differing, deleted transfers not posted again)")})
	}
	if len(todos) == 0 {
		w.line(st.ok, label(l, "없음", "nothing"))
	}
	for _, t := range todos {
		r := w.line(st.bad, t.what)
		w.cell(2, r, t.action, st.wrap)
		if w.err == nil {
			w.err = wb.f.MergeCell(w.sheet, "B"+strconv.Itoa(r), "C"+strconv.Itoa(r))
		}
	}
	w.skip(1)

	w.line(st.section, label(l, "시트 안내", "Sheets"))
	guide := []struct{ id, ko, en string }{
		{SheetSummary, "파트너 × 정산일별 합계 (주문 − 취소 순액), PortOne 정산금액과 차이, 상세 시트와의 검증 (0이면 녹색)",
			"per partner and settlement date, net (orders − cancellations), PortOne's settlement and the difference, checks against the detail (green at 0)"},
		{SheetChart, "정산일별 정산금액: 상위 5개 파트너와 기타", "settlement per settlement date: the top five partners and the others"},
		{SheetContracts, "이 기간에 적용된 계약·정책 버전과 정산 규칙", "the contract and policy versions applied in the range, and the settlement rules"},
		{SheetOrders, "주문 이체 1건당 1행: 금액, 상태, 계약·정책 (왜 이 금액인가)", "one row per ORDER transfer: amounts, status, contract and policies (why this amount)"},
		{SheetCancellations, "취소 이체 1건당 1행 (금액은 PortOne처럼 양수)", "one row per ORDER_CANCEL transfer (amounts positive, as PortOne shows them)"},
		{SheetOrderLines, "상품 라인 1행씩, 주문금액 주문은 1행, 주문 단위 할인·수수료는 별도 행; 합계는 주문·취소·순액", "one row per order line, one per order by amount, one for order-level discounts and fees; totals for orders, cancellations and net"},
		{SheetMismatches, "우리 계산과 PortOne 응답의 차이만", "differences between our numbers and PortOne's, and only those"},
		{SheetProblems, "거부된 레코드, 전송 실패·충돌·지연 이체, 정산 대기 레코드와 해결 명령", "rejected records, failed, conflicting and overdue transfers, records not settled, with the command that resolves each"},
		{SheetTransfers, "이체 상태 이력 (파트너·정산일 순)", "transfer status history, by partner and settlement date"},
	}
	for _, d := range registered {
		i := slices.IndexFunc(guide, func(g struct{ id, ko, en string }) bool { return g.id == d.after })
		if i < 0 {
			i = len(guide) - 1
		}
		guide = slices.Insert(guide, i+1, struct{ id, ko, en string }{d.id, d.guideKO, d.guideEN})
	}
	for _, g := range guide {
		if len(wb.parts[g.id]) == 0 && g.id != SheetRun {
			continue // not made (no chart for one day, a registered sheet with nothing to show)
		}
		r := w.line(st.runLabel, SheetName(g.id, l))
		w.cell(2, r, label(l, g.ko, g.en), st.wrap)
		if w.err == nil {
			w.err = wb.f.MergeCell(w.sheet, "B"+strconv.Itoa(r), "C"+strconv.Itoa(r))
		}
	}
	w.skip(1)
	for _, n := range []string{
		label(l, "취소 금액은 PortOne과 같이 양수로 표시됩니다. 요약과 합계는 주문 − 취소의 순액입니다.",
			"Cancellation amounts are positive, as PortOne shows them; the Summary and the totals are net (orders − cancellations)."),
		label(l, "표의 2행은 각 열에 해당하는 PortOne API 스키마 필드입니다.",
			"Row 2 of every table names the PortOne API schema field of each column."),
		label(l, "요약 하단의 검증 차이 행이 모두 0(녹색)이면 요약과 상세 시트의 합계가 일치합니다.",
			"When the check rows under the Summary are zero (green) in every column, the Summary ties to the detail sheets."),
	} {
		r := w.line(st.note, n)
		if w.err == nil {
			w.err = wb.f.MergeCell(w.sheet, "A"+strconv.Itoa(r), "C"+strconv.Itoa(r))
		}
		if w.err == nil {
			w.err = wb.f.SetRowHeight(w.sheet, r, 30)
		}
	}
	w.print(false, 1)
	return w.err
}

// contractKey is one version of one contract.
type contractKey struct {
	id      string
	version int
}

// writeContracts writes the contract and policy versions the transfers of
// the range were settled with, how many each settled and for which
// partners, and the merchant's settlement rules.
func (wb *workbook) writeContracts() error {
	st, l := wb.st, wb.o.Lang
	name, err := wb.newSheet(SheetContracts)
	if err != nil {
		return err
	}
	type contractUse struct {
		t         *Terms
		transfers int
		partners  map[settlement.PartnerID]string
	}
	type policyKey struct {
		id      string
		version int
	}
	type policyUse struct {
		p         *PolicyTerms
		transfers int
	}
	contracts := map[contractKey]*contractUse{}
	policies := map[policyKey]*policyUse{}
	unknown := 0
	for t, u := range wb.used {
		if t == nil {
			unknown += u.transfers
			continue
		}
		k := contractKey{t.ContractID, t.ContractVersion}
		c := contracts[k]
		if c == nil {
			c = &contractUse{t: t, partners: map[settlement.PartnerID]string{}}
			contracts[k] = c
		}
		c.transfers += u.transfers
		for id, n := range u.partners {
			c.partners[id] = n
		}
		for i := range t.Policies {
			p := &t.Policies[i]
			pk := policyKey{p.ID, p.Version}
			if policies[pk] == nil {
				policies[pk] = &policyUse{p: p}
			}
			policies[pk].transfers += u.transfers
		}
	}
	ckeys := make([]contractKey, 0, len(contracts))
	for k := range contracts {
		ckeys = append(ckeys, k)
	}
	slices.SortFunc(ckeys, func(a, b contractKey) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.version, b.version)) })
	pkeys := make([]policyKey, 0, len(policies))
	for k := range policies {
		pkeys = append(pkeys, k)
	}
	slices.SortFunc(pkeys, func(a, b policyKey) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.version, b.version)) })

	w := &sheetWriter{f: wb.f, sheet: name}
	w.widths(22, 7, 30, 16, 12, 11, 34, 22, 24, 10, 40)
	w.line(st.title, label(l, "계약·정책: 이 기간의 이체에 적용된 버전", "Contracts and policies applied to the transfers of the range"))
	w.line(st.note, label(l, "기간 ", "Business dates ")+wb.info.From.String()+" – "+wb.info.To.String())
	w.skip(1)
	w.line(st.section, label(l, "계약", "Contracts"))
	hr := w.line(st.header,
		label(l, "계약 ID", "Contract ID"), label(l, "버전", "Version"), label(l, "계약명", "Name"),
		label(l, "중개수수료율·액", "Platform fee"), label(l, "수수료 부가세 부담", "Fee VAT paid by"),
		label(l, "결제 부가세 차감", "Payment VAT deducted"), label(l, "정산 주기", "Settlement cycle"),
		label(l, "휴일 정책", "Holiday policy"), label(l, "적용 시작 (PortOne)", "Applied from (PortOne)"),
		label(l, "적용 이체 수", "Transfers"), label(l, "파트너", "Partners"))
	if w.err == nil {
		w.err = wb.f.SetRowHeight(name, hr, 30)
	}
	for _, k := range ckeys {
		c := contracts[k]
		ct := &c.t.Contract
		var ps []string
		for _, n := range c.partners {
			ps = append(ps, n)
		}
		slices.Sort(ps)
		w.line(st.wrap, k.id, int64(k.version), ct.Name, feeText(l, ct.PlatformFee), payerWord(l, ct.PlatformFeeVatPayer),
			yesNo(l, ct.SubtractPaymentVatAmount), cycleText(l, ct.Cycle), datePolicyText(l, ct.Cycle.DatePolicy),
			appliedText(c.t.AppliedAt, wb.o.Loc), int64(c.transfers), strings.Join(ps, ", "))
	}
	if unknown > 0 {
		w.line(st.bad, label(l, "(계약을 알 수 없음)", "(contract unknown)"), nil, nil, nil, nil, nil, nil, nil, nil, int64(unknown))
	}
	if len(ckeys) == 0 && unknown == 0 {
		w.line(st.note, label(l, "(이 기간에 이체 없음)", "(no transfers in the range)"))
	}
	w.skip(1)
	w.line(st.section, label(l, "정책", "Policies"))
	hr = w.line(st.header, label(l, "정책 ID", "Policy ID"), label(l, "버전", "Version"), label(l, "정책명", "Name"),
		label(l, "종류", "Kind"), label(l, "비율·금액", "Rate or amount"), label(l, "부가세 부담", "VAT paid by"),
		nil, nil, nil, label(l, "적용 이체 수", "Transfers"))
	if w.err == nil {
		w.err = wb.f.SetRowHeight(name, hr, 30)
	}
	for _, k := range pkeys {
		p := policies[k]
		kind, what, payer := "", "", ""
		switch {
		case p.p.Share != nil:
			kind, what = label(l, "할인 분담", "Discount share"), label(l, "파트너 분담 ", "partner bears ")+rateText(p.p.Share.PartnerShareRate)
		case p.p.Fee != nil:
			kind, what, payer = label(l, "추가 수수료", "Additional fee"), feeText(l, p.p.Fee.Fee), payerWord(l, p.p.Fee.VatPayer)
		}
		w.line(st.wrap, k.id, int64(k.version), p.p.Name(), kind, what, payer, nil, nil, nil, int64(p.transfers))
	}
	if len(pkeys) == 0 {
		w.line(st.note, label(l, "(적용된 정책 없음)", "(no policies applied)"))
	}
	w.skip(1)
	w.line(st.section, label(l, "정산 규칙 (공식·반올림)", "Settlement rules (formulas, rounding)"))
	var lines []string
	for _, r := range wb.info.Rules {
		v := r.Version
		if v == "" {
			v = label(l, "기록 없음 (규칙 도입 전: PortOne 기본 공식)", "not recorded (before rules: PortOne's defaults)")
		}
		lines = append(lines, fmt.Sprintf(label(l, "규칙 버전 %s: 이체 %d건", "Rules version %s: %d transfers"), v, r.Transfers))
		for _, x := range r.Lines {
			lines = append(lines, "    "+x)
		}
		if len(r.Lines) == 0 && r.Version != "" {
			lines = append(lines, "    "+label(l, "(규칙 파일이 보관되지 않음)", "(rules file not kept)"))
		}
	}
	if len(lines) == 0 {
		lines = []string{label(l, "PortOne 기본 공식 (portone-platform.md §6), 원 단위 내림", "PortOne's default formulas (portone-platform.md §6), rounded down to the won")}
	}
	for _, r := range lines {
		row := w.line(st.wrap, r)
		if w.err == nil {
			w.err = wb.f.MergeCell(name, "A"+strconv.Itoa(row), "K"+strconv.Itoa(row))
		}
	}
	w.print(true, 0)
	return w.err
}
