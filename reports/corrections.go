package reports

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// SheetCorrections is the Corrections sheet (정정): every correction of the
// range, one row each: records withdrawn (settle void), posted records
// whose transfer was deleted at PortOne to be posted again corrected, and
// manual transfers that adjust a partner's settlement (settle adjust), each
// with who, why and when, and where it stands at PortOne; under them, the
// adjustments' sum per partner beside the partner's settlement on the
// Summary, which is what the partner is owed with them.
const SheetCorrections = "Corrections"

// CorrectionSource is a Source that also has corrections. A Source without
// it gets no Corrections sheet.
type CorrectionSource interface {
	// Corrections yields the corrections of the export's range, sorted by
	// business date, partner and the time they were made.
	Corrections(ctx context.Context, yield func(*CorrectionRow) error) error
}

// CorrectionKind says what a correction did.
type CorrectionKind string

// The corrections the sheet lists.
const (
	// CorrectionVoided: a record withdrawn before PortOne held its transfer.
	CorrectionVoided CorrectionKind = "voided"
	// CorrectionDeleted: a posted record whose transfer was deleted at
	// PortOne and the record withdrawn, to be imported again corrected.
	CorrectionDeleted CorrectionKind = "deleted"
	// CorrectionAdjustment: a manual transfer adjusting a partner's
	// settlement.
	CorrectionAdjustment CorrectionKind = "adjustment"
)

// CorrectionRow is one correction.
type CorrectionRow struct {
	Kind           CorrectionKind
	TransferKind   settlement.Kind // ORDER, ORDER_CANCEL or MANUAL
	PartnerID      settlement.PartnerID
	PartnerName    string
	PaymentID      settlement.PaymentID      // voided and deleted records
	CancellationID settlement.CancellationID // a voided cancellation
	Reference      string                    // an adjustment's reference (the ticket it answers)
	// BusinessDate is the record's business date, or the day an
	// adjustment was made.
	BusinessDate settlement.Date
	// SettlementDate is an adjustment's, or the deleted transfer's at
	// PortOne; zero when there is none.
	SettlementDate   settlement.Date
	Amount, TaxFree  *settlement.Won // an adjustment's; nil otherwise
	Memo, Reason, By string
	At               time.Time // when it was voided or made
	// Status is where our side stood: a voided record's intent when it was
	// withdrawn ("" when it was not settled), an adjustment's status.
	Status string
	Error  string // the intent's or the adjustment's last error
	// PortOne's transfer: the one deleted (its status and settlement amount
	// when deleted), or the adjustment's as last read back.
	PortOneTransferID settlement.TransferID
	PortOneStatus     settlement.TransferStatus
	PortOneAmount     *settlement.Won
	// Replacement is the transfer of the corrected record imported again
	// (PortOne's id, else our client id), "" when none; ReplacementStatus
	// is its intent's status and ReplacementPortOne PortOne's status of it
	// ("" until PortOne answered).
	Replacement        settlement.TransferID
	ReplacementStatus  string
	ReplacementPortOne settlement.TransferStatus
	ReplacementAmount  *settlement.Won // PortOne's settlement of the replacement, nil until it answered
	// Reconciled says whether PortOne holds the adjustment as asked; nil
	// for a voided record.
	Reconciled *bool
	// Issue says why the correction needs a person ("" when it does not);
	// Detail adds PortOne's error or the differences.
	Issue  CorrectionIssue
	Detail string
}

// CorrectionIssue is why a correction needs a person.
type CorrectionIssue string

// The issues of a correction.
const (
	// IssueNotReposted: a transfer was deleted at PortOne and no
	// corrected record has been imported in its place.
	IssueNotReposted CorrectionIssue = "not_reposted"
	// IssueReplacementFailed: the corrected record's transfer failed or
	// conflicts.
	IssueReplacementFailed CorrectionIssue = "replacement_failed"
	// IssueAdjustmentFailed: PortOne refused the adjustment, or never
	// answered it.
	IssueAdjustmentFailed CorrectionIssue = "adjustment_failed"
	// IssueAdjustmentDiffers: PortOne holds the adjustment otherwise than
	// asked, or no longer holds it.
	IssueAdjustmentDiffers CorrectionIssue = "adjustment_differs"
)

// issueText says, in few words, what is wrong with a correction and what
// to do; Detail (PortOne's error, the fields that differ) in brackets.
func issueText(l Lang, r *CorrectionRow) string {
	ko, en := "", ""
	switch r.Issue {
	case "":
		return ""
	case IssueNotReposted:
		ko, en = "재등록 안 됨: 정정 레코드를 settle import", "not reposted: settle import the corrected record"
	case IssueReplacementFailed:
		ko, en = "정정 레코드 전송 실패: settle retry", "the corrected record failed: settle retry"
	case IssueAdjustmentFailed:
		ko, en = "조정 실패: settle adjust --ref "+r.Reference+" 재실행", "failed: run settle adjust --ref "+r.Reference+" again"
	case IssueAdjustmentDiffers:
		ko, en = "PortOne과 다름: "+SheetName(SheetMismatches, LangKO)+" 시트", "PortOne differs: sheet "+SheetMismatches
	default:
		return string(r.Issue)
	}
	s := label(l, ko, en)
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	return s
}

// correctionWord is a correction's kind in finance's words.
var correctionWords = vocab[CorrectionKind]{
	CorrectionVoided:     {"무효 처리 (전송 전)", "Voided before posting"},
	CorrectionDeleted:    {"PortOne 이체 삭제 후 재등록", "Deleted at PortOne, reposted"},
	CorrectionAdjustment: {"수동 조정 이체", "Manual adjustment"},
}

func correctionWord(l Lang, k CorrectionKind) string { return correctionWords.say(l, k) }

// intentStatusWord is where our side of a transfer stood (an intent's or
// an adjustment's status).
var intentStatusWords = vocab[string]{
	"":         {"정산 전", "Not settled"},
	"pending":  {"전송 대기", "Waiting to post"},
	"posted":   {"전송 완료", "Posted"},
	"adopted":  {"전송 완료", "Posted"},
	"failed":   {"전송 실패", "Posting failed"},
	"conflict": {"이체 충돌", "Conflict at PortOne"},
}

func intentStatusWord(l Lang, s string) string { return intentStatusWords.say(l, s) }

// correctionPrintCols is how many columns of the sheet print: who, what,
// the money on both sides, whether it reconciles and why it needs a look;
// the ids and statuses after them stay on screen.
const correctionPrintCols = 15

func correctionColumns(v *view) []column[CorrectionRow] {
	l := v.l
	return []column[CorrectionRow]{
		textCol("구분", "Correction", "correction", 24, func(r *CorrectionRow) string { return correctionWord(l, r.Kind) }),
		textCol("파트너 ID", "Partner ID", "partner.id", v.partnerW, func(r *CorrectionRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", v.nameW, func(r *CorrectionRow) string { return r.PartnerName }),
		textCol("이체 유형", "Type", "type", 8, func(r *CorrectionRow) string { return kindWord(l, r.TransferKind) }),
		textCol("결제·취소 ID 또는 참조", "Payment, cancellation or reference", "payment.id | cancellation.id | reference", v.idW, func(r *CorrectionRow) string {
			switch {
			case r.Reference != "":
				return r.Reference
			case r.CancellationID != "":
				return string(r.PaymentID) + " / " + string(r.CancellationID)
			}
			return string(r.PaymentID)
		}),
		dateCol("업무일", "Business date", "businessDate", func(r *CorrectionRow) settlement.Date { return r.BusinessDate }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *CorrectionRow) settlement.Date { return r.SettlementDate }),
		{ko: "조정 금액", en: "Adjustment", key: "settlementAmount", width: 12, k: kMoney,
			set: func(r *CorrectionRow, x *value) { x.optMoney(r.Amount) }},
		{ko: "조정 면세금액", en: "Adjustment tax-free", key: "settlementTaxFreeAmount", width: 11, k: kMoney,
			set: func(r *CorrectionRow, x *value) { x.optMoney(r.TaxFree) }},
		{ko: "PortOne 정산금액", en: "PortOne settlement", key: "settlementAmount | amount.settlement (PortOne)", width: 12, k: kMoney,
			set: func(r *CorrectionRow, x *value) { x.optMoney(r.PortOneAmount) }},
		textCol("대사 완료", "Reconciled", "reconciled", 7, func(r *CorrectionRow) string {
			if r.Reconciled == nil {
				return ""
			}
			return yesNo(l, *r.Reconciled)
		}),
		column[CorrectionRow]{ko: "확인 사유", en: "Needs attention", key: "attention", width: 46, k: kText,
			set: func(r *CorrectionRow, x *value) { x.text(issueText(l, r)) }},
		textCol("사유", "Reason", "reason", 24, func(r *CorrectionRow) string { return r.Reason }),
		textCol("처리자", "By", "by", 8, func(r *CorrectionRow) string { return r.By }),
		timeCol("처리 시각", "At", "voidedAt | createdAt", func(r *CorrectionRow) time.Time { return r.At }),
		textCol("우리 상태", "Our status", "intent.status", 10, func(r *CorrectionRow) string { return intentStatusWord(l, r.Status) }),
		textCol("PortOne 상태", "PortOne status", "status", 10, func(r *CorrectionRow) string { return statusWord(l, r.PortOneStatus) }),
		textCol("PortOne 이체 ID", "PortOne transfer ID", "id", 24, func(r *CorrectionRow) string { return string(r.PortOneTransferID) }),
		textCol("대체 이체 ID", "Replacement transfer", "replacement.id", 24, func(r *CorrectionRow) string { return string(r.Replacement) }),
		textCol("대체 이체 상태", "Replacement status", "replacement.status", 10, func(r *CorrectionRow) string {
			if r.Replacement == "" {
				return ""
			}
			if r.ReplacementPortOne != "" {
				return statusWord(l, r.ReplacementPortOne)
			}
			return intentStatusWord(l, r.ReplacementStatus)
		}),
		{ko: "대체 이체 PortOne 정산금액", en: "Replacement's PortOne settlement", key: "replacement.amount.settlement", width: 12, k: kMoney,
			set: func(r *CorrectionRow, x *value) { x.optMoney(r.ReplacementAmount) }},
		textCol("메모", "Memo", "memo", 16, func(r *CorrectionRow) string { return r.Memo }),
		textCol("오류", "Error", "intent.lastError", 24, func(r *CorrectionRow) string { return r.Error }),
	}
}

func init() {
	registerSheet(sheetDef{id: SheetCorrections, ko: "정정", after: SheetProblems, write: writeCorrections,
		guideKO: "정정 1건당 1행: 무효 처리한 레코드, PortOne에서 삭제 후 재등록한 이체, 수동 조정 이체 (누가·왜·언제, PortOne 상태, 대사 여부); 아래에 파트너별 조정 합계와 조정 포함 정산금액",
		guideEN: "one row per correction: records voided, transfers deleted at PortOne and posted again, manual adjustments (who, why, when, PortOne's status, reconciled); under them the adjustments per partner and the settlement with them"})
}

// adjustmentTotal is one partner's adjustments in the range.
type adjustmentTotal struct {
	id               settlement.PartnerID
	name             string
	count            int64
	amount, taxFree  int64
	portOne          int64
	summary          int64 // the partner's settlement on the Summary (orders − cancellations)
	with             int64 // summary + amount
	hasPortOneAmount bool
	rows             []int // the partner's adjustment rows on the sheet
}

// writeCorrections writes the Corrections sheet when the source has
// corrections and the range has any; it counts them, and those that need a
// person, for the front sheet.
func writeCorrections(ctx context.Context, wb *workbook, src Source) error {
	cs, ok := src.(CorrectionSource)
	if !ok {
		return nil
	}
	cols := correctionColumns(wb.v)
	t := newTable(wb.builder, tableSpec{id: SheetCorrections, freeze: 3, landscape: true, maxRows: excelMaxRows, printCols: correctionPrintCols}, cols)
	byPartner := map[settlement.PartnerID]*adjustmentTotal{}
	err := cs.Corrections(ctx, func(r *CorrectionRow) error {
		wb.corrections++
		if r.Issue != "" {
			wb.correctionIssues++
		}
		if err := t.write(ctx, r); err != nil {
			return err
		}
		if r.Kind == CorrectionAdjustment && r.Amount != nil {
			a := byPartner[r.PartnerID]
			if a == nil {
				a = &adjustmentTotal{id: r.PartnerID, name: r.PartnerName}
				byPartner[r.PartnerID] = a
			}
			a.count++
			a.rows = append(a.rows, t.parts[len(t.parts)-1].last)
			if err := addWon(&a.amount, *r.Amount); err != nil {
				return err
			}
			if r.TaxFree != nil {
				if err := addWon(&a.taxFree, *r.TaxFree); err != nil {
					return err
				}
			}
			if r.PortOneAmount != nil {
				a.hasPortOneAmount = true
				if err := addWon(&a.portOne, *r.PortOneAmount); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if wb.corrections == 0 {
		return nil // nothing to show: no sheet
	}
	totals := make([]*adjustmentTotal, 0, len(byPartner))
	var all adjustmentTotal
	for _, a := range byPartner {
		for i := range wb.summary {
			if s := &wb.summary[i]; s.PartnerID == a.id {
				if err := addWon(&a.summary, s.Amounts.Settlement); err != nil {
					return err
				}
			}
		}
		a.with = a.summary
		if err := addWon(&a.with, settlement.Won(a.amount)); err != nil {
			return err
		}
		for _, x := range []struct {
			sum *int64
			v   int64
		}{{&all.count, a.count}, {&all.amount, a.amount}, {&all.taxFree, a.taxFree}, {&all.portOne, a.portOne}, {&all.summary, a.summary}, {&all.with, a.with}} {
			if err := addWon(x.sum, settlement.Won(x.v)); err != nil {
				return err
			}
		}
		totals = append(totals, a)
	}
	slices.SortFunc(totals, func(a, b *adjustmentTotal) int { return cmp.Compare(a.id, b.id) })
	t.trailer = func(t *table[CorrectionRow], b []byte, next int) ([]byte, []byte) {
		return wb.adjustmentTotals(t, totals, &all, b, next), nil
	}
	return t.finish()
}

// addWon adds w to *sum, refusing to wrap.
func addWon(sum *int64, w settlement.Won) error {
	s, err := settlement.Amounts{Settlement: settlement.Won(*sum)}.Add(settlement.Amounts{Settlement: w})
	if err != nil {
		return fmt.Errorf("adjustments total: %w", err)
	}
	*sum = int64(s.Settlement)
	return nil
}

// adjustmentTotals appends, from row next, the adjustments' sum per
// partner: the count, the amount and tax-free amount, PortOne's amount of
// them, the partner's settlement on the Summary and the two added, which
// is the partner's settlement with the adjustments; then a total row. The
// sums are formulas naming the cells they add (values cached).
func (wb *workbook) adjustmentTotals(t *table[CorrectionRow], totals []*adjustmentTotal, all *adjustmentTotal, b []byte, next int) []byte {
	st, l, cols := wb.st, wb.o.Lang, t.cols
	idx := func(key string) int {
		for i, c := range cols {
			if c.key == key {
				return i
			}
		}
		return -1
	}
	cPartner, cAmount, cTaxFree := idx("partner.id"), idx("settlementAmount"), idx("settlementTaxFreeAmount")
	cPortOne := idx("settlementAmount | amount.settlement (PortOne)")
	// The Summary and the with-adjustments total go under the attention
	// and reason columns, which the totals do not otherwise use.
	cCount, cSummary, cWith := idx("type"), idx("attention"), idx("reason")
	col := func(i int) string { return colName(i + 1) }
	sumName := SheetName(SheetSummary, l)
	sumSettlement := colName(columnIndex(summaryColumns(wb.v, nil), "settlement")) // the letter only
	row := next
	section := func(cells map[int]func(b []byte) []byte, style int) {
		height := 0.0
		if style == st.header {
			height = 30 // the headers wrap onto two lines
		}
		b = appendRowStart(b, row, height)
		for i := range cols {
			if f := cells[i]; f != nil {
				b = f(b)
			} else {
				b = appendEmptyCell(b, style)
			}
		}
		b = appendRowEnd(b)
		row++
	}
	txt := func(style int, s string) func([]byte) []byte {
		return func(b []byte) []byte { return appendTextCell(b, style, s) }
	}
	num := func(style int, v int64, formula string) func([]byte) []byte {
		return func(b []byte) []byte { return appendIntCell(b, style, v, formula) }
	}
	section(map[int]func([]byte) []byte{0: txt(st.section, label(l, "파트너별 조정 합계", "Adjustments per partner"))}, 0)
	section(map[int]func([]byte) []byte{
		0:            txt(st.header, label(l, "구분", "Row")),
		cPartner:     txt(st.header, label(l, "파트너 ID", "Partner ID")),
		cPartner + 1: txt(st.header, label(l, "파트너명", "Partner name")),
		cCount:       txt(st.header, label(l, "조정 건수", "Adjustments")),
		cAmount:      txt(st.header, label(l, "조정 금액 합계", "Adjustments total")),
		cTaxFree:     txt(st.header, label(l, "조정 면세 합계", "Tax-free total")),
		cSummary:     txt(st.header, label(l, "요약 정산금액 (주문 − 취소)", "Summary settlement (orders − cancellations)")),
		cWith:        txt(st.header, label(l, "조정 포함 정산금액", "Settlement with adjustments")),
		cPortOne:     txt(st.header, label(l, "PortOne 조정 금액 합계", "PortOne adjustments total")),
	}, st.header)
	first := row
	for _, a := range totals {
		r := strconv.Itoa(row)
		// The sums name their cells: SUMIF would read an id such as "007"
		// as the number 7, and an auditor can follow them.
		sumOf := func(c int) string {
			refs := make([]string, len(a.rows))
			for i, n := range a.rows {
				refs[i] = col(c) + strconv.Itoa(n)
			}
			return cellSum(refs)
		}
		var summaryRefs []string
		for i := range wb.summary {
			if wb.summary[i].PartnerID == a.id {
				summaryRefs = append(summaryRefs, "'"+sumName+"'!"+sumSettlement+strconv.Itoa(firstDataRow+i))
			}
		}
		cells := map[int]func([]byte) []byte{
			0:            txt(st.totalLabel, label(l, "조정 합계", "Adjustments")),
			cPartner:     txt(st.text, string(a.id)),
			cPartner + 1: txt(st.text, a.name),
			cCount:       num(st.integer, a.count, ""),
			cAmount:      num(st.moneyBold, a.amount, sumOf(cAmount)),
			cTaxFree:     num(st.moneyBold, a.taxFree, sumOf(cTaxFree)),
			cSummary:     num(st.moneyBold, a.summary, cellSum(summaryRefs)),
			cWith:        num(st.totalMoney, a.with, col(cSummary)+r+"+"+col(cAmount)+r),
		}
		if a.hasPortOneAmount {
			cells[cPortOne] = num(st.moneyBold, a.portOne, sumOf(cPortOne))
		}
		section(cells, st.totalLabel)
	}
	if len(totals) > 0 {
		last := strconv.Itoa(row - 1)
		sum := func(c int) string { return "SUM(" + col(c) + strconv.Itoa(first) + ":" + col(c) + last + ")" }
		section(map[int]func([]byte) []byte{
			0:        txt(st.totalLabel, label(l, "합계", "Total")),
			cCount:   num(st.totalMoney, all.count, sum(cCount)),
			cAmount:  num(st.totalMoney, all.amount, sum(cAmount)),
			cTaxFree: num(st.totalMoney, all.taxFree, sum(cTaxFree)),
			cSummary: num(st.totalMoney, all.summary, sum(cSummary)),
			cWith:    num(st.totalMoney, all.with, sum(cWith)),
			cPortOne: num(st.totalMoney, all.portOne, sum(cPortOne)),
		}, st.totalLabel)
	} else {
		section(map[int]func([]byte) []byte{0: txt(st.text, label(l, "(이 기간에 조정 없음)", "(no adjustments in the range)"))}, 0)
	}
	section(map[int]func([]byte) []byte{0: txt(st.text, label(l,
		"조정 금액은 요약 시트의 정산금액(주문 − 취소)에 더해 지급됩니다. 삭제된 이체의 금액은 PortOne 정산금액 열에 삭제 당시 값으로 표시됩니다.",
		"Adjustments are paid on top of the Summary's settlement (orders − cancellations). A deleted transfer's PortOne settlement is shown as it was when deleted."))}, 0)
	return b
}

// maxFormula is the longest formula written; Excel takes 8,192 characters.
const maxFormula = 8000

// cellSum is the formula adding refs: "" (the value alone) when there is
// none or it would be too long.
func cellSum(refs []string) string {
	if len(refs) == 0 {
		return ""
	}
	f := strings.Join(refs, "+")
	if len(f) > maxFormula {
		return ""
	}
	return f
}
