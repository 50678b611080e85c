package reports

import (
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// view is what the columns of one workbook share: the language, the time
// zone, the widths the data needs and the rendered terms.
type view struct {
	l   Lang
	loc *time.Location
	// Widths that show every partner id, partner name and payment or
	// cancellation id in full (from the Summary).
	partnerW, nameW, idW float64
	terms                map[*Terms]*termsText
}

// termsText is one Terms rendered for cells.
type termsText struct {
	contract, fee, vatPayer, subtractVat, cycle, datePolicy, policies, policyNames string
}

// text renders t once; nil terms render as unknown.
func (v *view) text(t *Terms) *termsText {
	if x, ok := v.terms[t]; ok {
		return x
	}
	x := &termsText{}
	if t == nil {
		x.contract = label(v.l, "(알 수 없음)", "(unknown)")
	} else {
		c := &t.Contract
		name := c.Name
		if name == "" {
			name = t.ContractID
		}
		x.contract = name + " (" + t.ContractID + " v" + itoa(t.ContractVersion) + ")"
		x.fee = feeText(v.l, c.PlatformFee)
		x.vatPayer = payerWord(v.l, c.PlatformFeeVatPayer)
		x.subtractVat = yesNo(v.l, c.SubtractPaymentVatAmount)
		x.cycle = cycleText(v.l, c.Cycle)
		x.datePolicy = datePolicyText(v.l, c.Cycle.DatePolicy)
		var ps, ns []string
		for i := range t.Policies {
			ps = append(ps, policyText(v.l, &t.Policies[i]))
			ns = append(ns, t.Policies[i].Name())
		}
		x.policies, x.policyNames = strings.Join(ps, "; "), strings.Join(ns, ", ")
	}
	if v.terms == nil {
		v.terms = map[*Terms]*termsText{}
	}
	v.terms[t] = x
	return x
}

// termsColumns are the "why" of a row: the contract version and the
// policies that decided its amounts and dates.
func termsColumns[T any](v *view, get func(*T) *Terms) []column[T] {
	t := func(r *T) *termsText { return v.text(get(r)) }
	return []column[T]{
		textCol("계약", "Contract", "contractId (version)", 30, func(r *T) string { return t(r).contract }),
		textCol("중개수수료율·액", "Platform fee rate", "contract.platformFee", 12, func(r *T) string { return t(r).fee }),
		textCol("수수료 부가세 부담", "Fee VAT paid by", "contract.platformFeeVatPayer", 10, func(r *T) string { return t(r).vatPayer }),
		textCol("결제 부가세 차감", "Payment VAT deducted", "contract.subtractPaymentVatAmount", 9, func(r *T) string { return t(r).subtractVat }),
		textCol("정산 주기", "Settlement cycle", "contract.settlementCycle", 26, func(r *T) string { return t(r).cycle }),
		textCol("휴일 정책", "Holiday policy", "settlementCycle.datePolicy", 18, func(r *T) string { return t(r).datePolicy }),
		textCol("적용 정책 (이름, 비율)", "Policies applied (name, rate)", "discounts[].sharePolicy, additionalFees[].policy", 40, func(r *T) string { return t(r).policies }),
	}
}

// transferColumns are the columns of the Orders and Cancellations sheets:
// one row per transfer, its order-level block and its why.
func transferColumns(v *view, cancel bool) []column[TransferRow] {
	at, atEN, atKey := "결제일시", "Paid at", "paidAt"
	if cancel {
		at, atEN, atKey = "취소일시", "Cancelled at", "cancelledAt"
	}
	cols := []column[TransferRow]{
		textCol("파트너 ID", "Partner ID", "partner.id", v.partnerW, func(r *TransferRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", v.nameW, func(r *TransferRow) string { return r.PartnerName }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *TransferRow) settlement.Date { return r.SettlementDate }),
		textCol("결제 ID", "Payment ID", "payment.id", v.idW, func(r *TransferRow) string { return string(r.PaymentID) }),
	}
	if cancel {
		cols = append(cols, textCol("취소 ID", "Cancellation ID", "cancellation.id", v.idW, func(r *TransferRow) string { return string(r.CancellationID) }))
	}
	cols = append(cols,
		textCol("주문명", "Order name", "payment.orderName", 22, func(r *TransferRow) string { return r.OrderName }),
		timeCol(at, atEN, atKey, func(r *TransferRow) time.Time { return r.At }),
		dateCol("정산시작일", "Settlement start date", "settlementStartDate", func(r *TransferRow) settlement.Date { return r.SettlementStartDate }),
		textCol("상태", "Status", "status", 12, func(r *TransferRow) string { return stateWord(v.l, r.Posting, r.Status) }),
	)
	cols = append(cols, amountColumns("amount.", func(r *TransferRow) *settlement.Amounts { return &r.Amounts })...)
	cols = append(cols, portOneCols("amount.", func(r *TransferRow) (settlement.Won, *settlement.Won) {
		return r.Amounts.Settlement, r.PortOneSettlement
	})...)
	cols = append(cols, termsColumns(v, func(r *TransferRow) *Terms { return r.Terms })...)
	cols = append(cols, textCol("이체 ID", "Transfer ID", "id", 48, func(r *TransferRow) string { return string(r.TransferID) }))
	return cols
}

// lineItem is one row of the Order lines sheet and the CSV: an order line,
// or what of a transfer's block is not in its lines (the whole block of an
// order registered by amount; the order-level discounts and fees of one
// registered by lines).
type lineItem struct {
	t       *TransferRow
	line    *LineRow // nil for the order-level row
	amounts settlement.Amounts
	portOne *settlement.Won
}

// The kinds of lineItem rows, as the row-kind column names them.
func (it *lineItem) what(l Lang) string {
	switch {
	case it.line != nil:
		return label(l, "상품 라인", "order line")
	case len(it.t.Lines) == 0:
		return label(l, "주문금액 주문 (라인 없음)", "order by amount (no lines)")
	}
	return label(l, "주문 단위 할인·수수료", "order-level discounts and fees")
}

// lineColumns are the columns of the Order lines sheet and of the CSV.
func lineColumns(v *view) []column[lineItem] {
	cols := []column[lineItem]{
		textCol("파트너 ID", "Partner ID", "partner.id", v.partnerW, func(r *lineItem) string { return string(r.t.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", v.nameW, func(r *lineItem) string { return r.t.PartnerName }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *lineItem) settlement.Date { return r.t.SettlementDate }),
		{ko: "유형", en: "Type", key: "type", width: 8, k: kText, field: fieldKind,
			set: func(r *lineItem, x *value) { x.text(kindWord(v.l, r.t.Kind)) }},
		textCol("결제 ID", "Payment ID", "payment.id", v.idW, func(r *lineItem) string { return string(r.t.PaymentID) }),
		textCol("취소 ID", "Cancellation ID", "cancellation.id", v.idW, func(r *lineItem) string { return string(r.t.CancellationID) }),
		textCol("행 구분", "Row", "orderLines[] / order level", 16, func(r *lineItem) string { return r.what(v.l) }),
		textCol("상품 ID", "Product ID", "orderLines[].product.id", 14, func(r *lineItem) string {
			if r.line == nil {
				return ""
			}
			return r.line.ProductID
		}),
		textCol("상품명", "Product name", "orderLines[].product.name", 22, func(r *lineItem) string {
			if r.line == nil {
				return ""
			}
			return r.line.ProductName
		}),
		{ko: "수량", en: "Quantity", key: "orderLines[].quantity", width: 7, k: kInt, field: fieldQuantity,
			set: func(r *lineItem, x *value) {
				if r.line == nil {
					x.blank()
					return
				}
				x.integer(r.line.Quantity)
			}},
		textCol("주문명", "Order name", "payment.orderName", 20, func(r *lineItem) string { return r.t.OrderName }),
		{ko: "결제·취소 일시", en: "Paid or cancelled at", key: "paidAt / cancelledAt", width: 18, k: kTime,
			set: func(r *lineItem, x *value) { x.instant(r.t.At) }},
		dateCol("정산시작일", "Settlement start date", "settlementStartDate", func(r *lineItem) settlement.Date { return r.t.SettlementStartDate }),
		textCol("상태", "Status", "status", 12, func(r *lineItem) string { return stateWord(v.l, r.t.Posting, r.t.Status) }),
	}
	cols = append(cols, amountColumns("orderLines[].amount.", func(r *lineItem) *settlement.Amounts { return &r.amounts })...)
	cols = append(cols, portOneCols("orderLines[].amount.", func(r *lineItem) (settlement.Won, *settlement.Won) {
		return r.amounts.Settlement, r.portOne
	})...)
	// The contract and the policies by name; their terms are on the
	// order's row (Orders, Cancellations) and on the Contracts sheet.
	cols = append(cols,
		textCol("계약", "Contract", "contractId (version)", 26, func(r *lineItem) string { return v.text(r.t.Terms).contract }),
		textCol("적용 정책", "Policies applied", "discounts[].sharePolicy, additionalFees[].policy", 30, func(r *lineItem) string { return v.text(r.t.Terms).policyNames }),
		textCol("이체 ID", "Transfer ID", "id", 48, func(r *lineItem) string { return string(r.t.TransferID) }),
	)
	return cols
}

// summaryColumns are the Summary's columns; the detail and check columns
// read the aggregates of the Orders and Cancellations sheets.
func summaryColumns(v *view, detail func(*SummaryRow) *detailAgg) []column[SummaryRow] {
	cols := []column[SummaryRow]{
		textCol("파트너 ID", "Partner ID", "partner.id", v.partnerW, func(r *SummaryRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", v.nameW, func(r *SummaryRow) string { return r.PartnerName }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *SummaryRow) settlement.Date { return r.SettlementDate }),
		{ko: "주문 건수", en: "Orders", key: "count(type = ORDER)", width: 8, k: kInt, field: fieldOrders,
			set: func(r *SummaryRow, x *value) { x.integer(int64(r.Orders)) }},
		{ko: "취소 건수", en: "Cancellations", key: "count(type = ORDER_CANCEL)", width: 8, k: kInt, field: fieldCancels,
			set: func(r *SummaryRow, x *value) { x.integer(int64(r.Cancellations)) }},
	}
	// The amounts that make the settlement first, then PortOne's and the
	// checks (the printed page ends there), then the tax-free, supply and
	// VAT breakdowns.
	main, rest := splitAmountColumns(amountColumns("Σ amount.", func(r *SummaryRow) *settlement.Amounts { return &r.Amounts }))
	cols = append(cols, main...)
	// PortOne's settlement of the same transfers (those it answered), from
	// the Orders and Cancellations sheets.
	cols = append(cols, portOneCols("Σ amount.", func(r *SummaryRow) (settlement.Won, *settlement.Won) {
		a := detail(r)
		if a.answered == 0 {
			return r.Amounts.Settlement, nil
		}
		return r.Amounts.Settlement, &a.portOne
	})...)
	cols = append(cols,
		column[SummaryRow]{ko: "PortOne 응답 없는 건수", en: "Not answered by PortOne", key: "count(no PortOne answer)", width: 9, k: kInt, field: fieldUnanswered,
			set: func(r *SummaryRow, x *value) { x.integer(int64(detail(r).unanswered)) }},
		column[SummaryRow]{ko: "상세 정산금액 (주문 − 취소)", en: "Detail settlement (orders − cancellations)",
			key: "Σ Orders − Σ Cancellations", width: 13, k: kMoney, field: fieldDetail,
			set: func(r *SummaryRow, x *value) { x.money(detail(r).net) }},
		column[SummaryRow]{ko: "검증 차이 (0 = 일치)", en: "Check (0 = ties)", key: "settlement − detail", width: 10, k: kMoney, field: fieldCheck,
			set: func(r *SummaryRow, x *value) { x.money(r.Amounts.Settlement - detail(r).net) }},
	)
	return append(cols, rest...)
}

// breakdownFields are the amount fields that break others down (tax-free
// parts, supply value and VAT of the payment) rather than make the
// settlement.
var breakdownFields = map[string]bool{"orderTaxFree": true, "discountTaxFree": true, "discountShareTaxFree": true,
	"paymentTaxFree": true, "paymentSupply": true, "paymentVat": true, "settlementTaxFree": true}

// splitAmountColumns splits amount columns into those that make the
// settlement and the breakdowns, each in order.
func splitAmountColumns[T any](cols []column[T]) (main, rest []column[T]) {
	for _, c := range cols {
		if breakdownFields[c.field] {
			rest = append(rest, c)
		} else {
			main = append(main, c)
		}
	}
	return main, rest
}

func mismatchColumns(v *view) []column[MismatchRow] {
	return []column[MismatchRow]{
		textCol("파트너 ID", "Partner ID", "partner.id", v.partnerW, func(r *MismatchRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", v.nameW, func(r *MismatchRow) string { return r.PartnerName }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *MismatchRow) settlement.Date { return r.SettlementDate }),
		textCol("유형", "Type", "type", 8, func(r *MismatchRow) string { return kindWord(v.l, r.Kind) }),
		textCol("결제 ID", "Payment ID", "payment.id", v.idW, func(r *MismatchRow) string { return string(r.PaymentID) }),
		textCol("취소 ID", "Cancellation ID", "cancellation.id", v.idW, func(r *MismatchRow) string { return string(r.CancellationID) }),
		textCol("상품 ID", "Product ID", "orderLines[].product.id", 14, func(r *MismatchRow) string { return r.ProductID }),
		textCol("사유", "Reason", "reason", 18, func(r *MismatchRow) string { return reasonWord(v.l, r.Reason) }),
		textCol("항목", "Field", "field", 30, func(r *MismatchRow) string { return r.Field }),
		{ko: "우리 금액", en: "Our amount", key: "local", width: 12, k: kMoney, set: func(r *MismatchRow, x *value) { x.optMoney(r.Local) }},
		{ko: "PortOne 금액", en: "PortOne's amount", key: "PortOne", width: 12, k: kMoney, set: func(r *MismatchRow, x *value) { x.optMoney(r.PortOne) }},
		{ko: "차이 (우리 − PortOne)", en: "Difference (ours − PortOne)", key: "local − PortOne", width: 11, k: kMoney, set: func(r *MismatchRow, x *value) {
			if r.Local == nil && r.PortOne == nil {
				x.blank()
				return
			}
			var a, p settlement.Won
			if r.Local != nil {
				a = *r.Local
			}
			if r.PortOne != nil {
				p = *r.PortOne
			}
			x.money(a - p)
		}},
		textCol("우리 값 (날짜·상태)", "Our value (date, status)", "local (text)", 16, func(r *MismatchRow) string { return r.LocalText }),
		textCol("PortOne 값 (날짜·상태)", "PortOne's value (date, status)", "PortOne (text)", 16, func(r *MismatchRow) string { return r.PortOneText }),
		textCol("이체 ID", "Transfer ID", "id", 48, func(r *MismatchRow) string { return string(r.TransferID) }),
	}
}

// maxRawCell is how many characters of a rejected record's raw payload a
// cell shows.
const maxRawCell = 500

func problemColumns(v *view) []column[ProblemRow] {
	return []column[ProblemRow]{
		textCol("구분", "Problem", "problem", 14, func(r *ProblemRow) string { return problemWord(v.l, r.Kind) }),
		textCol("파트너 ID", "Partner ID", "partner.id", v.partnerW, func(r *ProblemRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", v.nameW, func(r *ProblemRow) string { return r.PartnerName }),
		textCol("결제 ID", "Payment ID", "payment.id", v.idW, func(r *ProblemRow) string { return string(r.PaymentID) }),
		textCol("취소 ID", "Cancellation ID", "cancellation.id", v.idW, func(r *ProblemRow) string { return string(r.CancellationID) }),
		dateCol("업무일", "Business date", "businessDate", func(r *ProblemRow) settlement.Date { return r.BusinessDate }),
		timeCol("발생·접수 시각", "When", "receivedAt / updatedAt", func(r *ProblemRow) time.Time { return r.At }),
		{ko: "시도 횟수", en: "Attempts", key: "attempts", width: 7, k: kInt, set: func(r *ProblemRow, x *value) {
			if r.Attempts == 0 {
				x.blank()
				return
			}
			x.integer(int64(r.Attempts))
		}},
		textCol("항목", "Field", "field", 18, func(r *ProblemRow) string { return r.Field }),
		{ko: "건수", en: "Count", key: "count", width: 7, k: kInt, set: func(r *ProblemRow, x *value) { x.integer(int64(max(r.Count, 1))) }},
		textCol("사유", "Reason", "reason", 40, func(r *ProblemRow) string { return problemReason(v.l, r) }),
		textCol("PortOne 오류", "PortOne error", "error.type", 24, func(r *ProblemRow) string { return r.ErrorType }),
		textCol("조치 (명령)", "What to do (command)", "command", 50, func(r *ProblemRow) string { return problemAction(v.l, r) }),
		textCol("출처", "Source", "source", 10, func(r *ProblemRow) string { return sourceWord(v.l, r.Source) }),
		textCol("파일:행", "File:line", "file:line", 18, func(r *ProblemRow) string {
			if r.File == "" {
				return ""
			}
			if r.Line > 0 {
				return r.File + ":" + itoa(r.Line)
			}
			return r.File
		}),
		textCol("이체 ID", "Transfer ID", "id", 48, func(r *ProblemRow) string { return string(r.TransferID) }),
		textCol("원본 (일부)", "Raw record (excerpt)", "raw", 50, func(r *ProblemRow) string { return cleanRaw(r.Raw, maxRawCell) }),
	}
}

func historyColumns(v *view) []column[HistoryRow] {
	return []column[HistoryRow]{
		textCol("파트너 ID", "Partner ID", "partner.id", v.partnerW, func(r *HistoryRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", v.nameW, func(r *HistoryRow) string { return r.PartnerName }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *HistoryRow) settlement.Date { return r.SettlementDate }),
		textCol("유형", "Type", "type", 8, func(r *HistoryRow) string { return kindWord(v.l, r.Kind) }),
		textCol("결제 ID", "Payment ID", "payment.id", v.idW, func(r *HistoryRow) string { return string(r.PaymentID) }),
		textCol("취소 ID", "Cancellation ID", "cancellation.id", v.idW, func(r *HistoryRow) string { return string(r.CancellationID) }),
		dateCol("정산시작일", "Settlement start date", "settlementStartDate", func(r *HistoryRow) settlement.Date { return r.SettlementStartDate }),
		{ko: "정산금액", en: "Settlement", key: "amount.settlement", width: 12, k: kMoney,
			set: func(r *HistoryRow, x *value) { x.money(r.Settlement) }},
		textCol("이전 상태", "Previous status", "status (before)", 12, func(r *HistoryRow) string {
			if r.PreviousStatus == "" {
				return ""
			}
			return statusWord(v.l, r.PreviousStatus)
		}),
		textCol("상태", "Status", "status", 12, func(r *HistoryRow) string { return statusWord(v.l, r.Status) }),
		timeCol("확인 시각", "Observed at", "observedAt", func(r *HistoryRow) time.Time { return r.ObservedAt }),
		textCol("확인 경로", "Seen by", "note", 10, func(r *HistoryRow) string { return r.Note }),
		textCol("이체 ID", "Transfer ID", "id", 48, func(r *HistoryRow) string { return string(r.TransferID) }),
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
