package reports

import (
	"context"
	"strings"

	"github.com/settle-dev/settle/settlement"
)

// SheetPayouts is the Payouts sheet (지급): what each partner receives, per
// payout date, settlement → VAT → withholding → payout, ours beside
// PortOne's, with the payout's status and why it needs a look.
const SheetPayouts = "Payouts"

// PayoutSource is a Source that also has payouts (issue #15). A Source
// without it gets no Payouts sheet, so that sources written before payouts
// keep working.
type PayoutSource interface {
	// Payouts yields one row per partner, payout date and currency: a
	// payout of PortOne's, or money no payout pays (not yet scheduled,
	// withheld, netted below zero).
	Payouts(ctx context.Context, yield func(PayoutRow) error) error
}

// PayoutRow is one partner's payout of one payout date.
type PayoutRow struct {
	PayoutDate  settlement.Date // the settlement date of the settlements it pays
	PartnerID   settlement.PartnerID
	PartnerName string
	Currency    string
	PayoutID    string // PortOne's, or "" when PortOne has no payout
	Status      string // the payout's status, else its settlements' (PAYOUT_WITHHELD, …)
	FailReason  string
	VAT         string // NONE, INCLUDED (GROSS) or ADDED (NET)
	Withhold    bool
	Ours        *settlement.PayoutAmounts   // nil when we expect nothing
	PortOne     *settlement.PayoutAmounts   // nil when PortOne has no payout
	Reasons     []settlement.MismatchReason // why it needs a look; none when it ties
}

// Negative reports whether the row's payout is below zero (ours, else
// PortOne's): the partner owes it back; nothing is paid.
func (r *PayoutRow) Negative() bool {
	a := r.PortOne
	if a == nil {
		a = r.Ours
	}
	return a != nil && a.Amount < 0
}

// payoutFieldLabels are PayoutAmounts' fields in the order finance reads a
// payout: settlement, VAT, withholding, payout.
var payoutFieldLabels = []struct{ name, ko, en string }{
	{"settlementAmount", "정산금액", "Settlement"},
	{"settlementTaxFreeAmount", "정산 면세금액", "Settlement tax-free"},
	{"supplyAmount", "공급가액", "Supply"},
	{"taxFreeAmount", "면세금액", "Tax-free"},
	{"vatAmount", "부가세", "VAT"},
	{"incomeTaxAmount", "소득세", "Income tax"},
	{"localIncomeTaxAmount", "지방소득세", "Local income tax"},
	{"amount", "지급금액", "Payout"},
}

func payoutColumns(v *view) []column[PayoutRow] {
	cols := []column[PayoutRow]{
		dateCol("지급일", "Payout date", "settlementDate", func(r *PayoutRow) settlement.Date { return r.PayoutDate }),
		textCol("파트너 ID", "Partner ID", "partner.id", 14, func(r *PayoutRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", 18, func(r *PayoutRow) string { return r.PartnerName }),
		textCol("통화", "Currency", "currency", 8, func(r *PayoutRow) string { return r.Currency }),
		textCol("지급 ID", "Payout ID", "id", 24, func(r *PayoutRow) string { return r.PayoutID }),
		textCol("상태", "Status", "status", 16, func(r *PayoutRow) string { return payoutRowStatus(v.l, r) }),
		textCol("부가세 처리", "VAT", "settlementAmountType", 12, func(r *PayoutRow) string { return payoutVATWord(v.l, r.VAT) }),
		textCol("원천징수", "Withholding", "deductWht", 10, func(r *PayoutRow) string {
			if r.Withhold {
				return "3.3%"
			}
			return ""
		}),
	}
	for _, f := range payoutFieldLabels {
		var get func(*settlement.PayoutAmounts) *settlement.Won
		for _, pf := range settlement.PayoutFields {
			if pf.Name == f.name {
				get = pf.Get
			}
		}
		side := func(a *settlement.PayoutAmounts, v *value) {
			if a == nil {
				v.blank()
				return
			}
			v.money(*get(a))
		}
		cols = append(cols,
			column[PayoutRow]{ko: f.ko, en: f.en, key: f.name + " (settle)", width: 14, k: kMoney,
				set: func(r *PayoutRow, v *value) { side(r.Ours, v) }},
			column[PayoutRow]{ko: "PortOne " + f.ko, en: "PortOne " + f.en, key: f.name, width: 14, k: kMoney,
				set: func(r *PayoutRow, v *value) { side(r.PortOne, v) }},
		)
	}
	return append(cols,
		textCol("실패 사유", "Fail reason", "failReason", 24, func(r *PayoutRow) string { return r.FailReason }),
		textCol("확인 사유", "Reasons", "reasons", 40, func(r *PayoutRow) string { return payoutReasonsText(v.l, r.Reasons) }),
	)
}

func init() {
	registerSheet(sheetDef{id: SheetPayouts, ko: "지급", after: SheetTransfers, write: writePayouts,
		guideKO: "파트너별·지급일별 지급: 정산금액 → 부가세 → 원천징수 → 지급금액, 우리 계산과 PortOne, 상태와 확인 사유",
		guideEN: "per partner and payout date: settlement → VAT → withholding → payout, ours beside PortOne's, the status and why it needs a look"})
}

// writePayouts streams the Payouts sheet when the source has payouts.
func writePayouts(ctx context.Context, wb *workbook, src Source) error {
	ps, ok := src.(PayoutSource)
	if !ok {
		return nil
	}
	t := newTable(wb.builder, tableSpec{id: SheetPayouts, freeze: 3, landscape: true}, payoutColumns(wb.v))
	if err := ps.Payouts(ctx, func(r PayoutRow) error {
		if len(r.Reasons) > 0 {
			wb.payoutIssues++
		}
		return t.write(ctx, &r)
	}); err != nil {
		return err
	}
	return t.finish()
}

// payoutStatusWord is a payout's status (PortOne's payout statuses, or its
// partner settlements' when there is no payout) in finance's words; one it
// does not know is shown as PortOne sent it.
var payoutStatusWords = vocab[string]{
	"PREPARED": {"지급 준비", "Prepared"}, "PAYOUT_PREPARED": {"지급 준비", "Prepared"},
	"SCHEDULED": {"지급 예정", "Scheduled"}, "PAYOUT_SCHEDULED": {"지급 예정", "Scheduled"},
	"PROCESSING": {"지급 중", "In payout"}, "IN_PAYOUT": {"지급 중", "In payout"},
	"SUCCEEDED": {"지급 완료", "Paid out"}, "PAID_OUT": {"지급 완료", "Paid out"},
	"FAILED": {"지급 실패", "Failed"}, "PAYOUT_FAILED": {"지급 실패", "Failed"},
	"STOPPED":         {"지급 중단", "Stopped"},
	"CANCELLED":       {"지급 취소", "Cancelled"},
	"PAYOUT_WITHHELD": {"지급 보류", "Withheld"},
	"PAYOUT_EXCLUDED": {"지급 제외", "Excluded"},
	"NOT_AT_PORTONE":  {"PortOne에 없음", "Not at PortOne"},
}

func payoutStatusWord(l Lang, s string) string { return payoutStatusWords.say(l, s) }

// payoutRowStatus is a row's status in finance's words: a negative net
// with no payout at PortOne is not payable, whatever its settlements'
// status (they wait as PAYOUT_PREPARED, but nothing will be paid).
func payoutRowStatus(l Lang, r *PayoutRow) string {
	if r.PortOne == nil && r.Negative() {
		return label(l, "지급 불가 (음수)", "Not payable (negative)")
	}
	return payoutStatusWord(l, r.Status)
}

// payoutVATWord says how VAT reaches the payout: none (a tax-exempt
// partner), included in the settlement (GROSS) or added at payout (NET).
var payoutVATWords = vocab[string]{
	"NONE":     {"없음", "None"},
	"INCLUDED": {"포함 (GROSS)", "Included (GROSS)"},
	"ADDED":    {"지급 시 가산 (NET)", "Added at payout (NET)"},
}

func payoutVATWord(l Lang, s string) string { return payoutVATWords.say(l, s) }

// payoutReasonWord says in finance's words why a payout needs a look; a
// reason it does not know is shown as the code.
var payoutReasonWords = vocab[settlement.MismatchReason]{
	settlement.PayoutNegative:          {"순액 음수: 지급 없음, 파트너에게 회수 필요", "Negative net: nothing paid, to recover from the partner"},
	settlement.PayoutFailedReason:      {"지급 실패", "Payout failed"},
	settlement.SettlementWithheld:      {"지급 보류", "Withheld"},
	settlement.SettlementExcluded:      {"지급 제외", "Excluded from payouts"},
	settlement.PayoutMissing:           {"지급 누락: 정산일이 지났는데 PortOne 지급 없음", "Payout missing: the date has passed and PortOne has none"},
	settlement.PayoutAmountDiffers:     {"지급 금액 불일치", "Payout amount differs"},
	settlement.PayoutUnknown:           {"PortOne에만 있는 지급", "Payout at PortOne we do not expect"},
	settlement.PayoutTermsUnknown:      {"지급 조건 확인 불가 (파트너 유형·과세 유형)", "Payout terms unknown (partner or taxation type)"},
	settlement.SettlementAmountDiffers: {"파트너 정산 금액 불일치", "Partner settlement differs"},
	settlement.SettlementMissing:       {"PortOne에 파트너 정산 없음", "Partner settlement missing at PortOne"},
	settlement.SettlementUnknown:       {"PortOne에만 있는 파트너 정산", "Partner settlement at PortOne we do not expect"},
}

func payoutReasonWord(l Lang, r settlement.MismatchReason) string { return payoutReasonWords.say(l, r) }

func payoutReasonsText(l Lang, rs []settlement.MismatchReason) string {
	words := make([]string, len(rs))
	for i, r := range rs {
		words[i] = payoutReasonWord(l, r)
	}
	return strings.Join(words, "; ")
}
