package reports

import (
	"time"

	"github.com/settle-dev/settle/settlement"
)

// kind is how a cell is typed in the workbook and formatted in the CSV.
type kind int

const (
	kBlank kind = iota
	kText       // string cell with the text format "@"
	kMoney      // int64 won with "#,##0"
	kInt        // int64 count or quantity with "#,##0"
	kDate       // settlement.Date as an Excel date serial with "yyyy-mm-dd"
	kTime       // time.Time as an Excel date-time serial with "yyyy-mm-dd hh:mm:ss"
)

// value is one cell before it is typed for excelize or formatted for CSV.
type value struct {
	k kind
	s string
	n int64
	d settlement.Date
	t time.Time
}

func (v *value) text(s string)          { v.k, v.s = kText, s }
func (v *value) money(w settlement.Won) { v.k, v.n = kMoney, int64(w) }
func (v *value) integer(n int64)        { v.k, v.n = kInt, n }
func (v *value) date(d settlement.Date) { v.k, v.d = kDate, d }
func (v *value) instant(t time.Time)    { v.k, v.t = kTime, t }
func (v *value) blank()                 { v.k = kBlank }
func (v *value) optMoney(w *settlement.Won) {
	if w == nil {
		v.blank()
		return
	}
	v.money(*w)
}

// column is one column of a sheet: its headers in both languages, the
// PortOne schema path shown in the second header row, and how a row fills it.
type column[T any] struct {
	ko, en string
	key    string // PortOne schema path (or our own field name where PortOne has none)
	width  float64
	k      kind // the kind of the column, for totals and widths
	set    func(r *T, v *value)
	field  string // amount field name for money columns taken from Amounts, else ""
}

func (c *column[T]) label(l Lang) string {
	if l == LangEN {
		return c.en
	}
	return c.ko
}

// amountLabel is the headers of one PortOne amount field.
type amountLabel struct{ name, ko, en string }

// amountOrder is the order in which amount fields appear as columns: the way
// finance reads a settlement (order, discounts, fees, payment, settlement)
// rather than PortOne's schema order. Every name of settlement.AmountFields
// appears; a field missing here is appended by amountColumns under its JSON
// name, so a new field can never be dropped from the workbook.
func amountOrder() []amountLabel {
	return []amountLabel{
		{"order", "주문금액", "Order amount"},
		{"orderTaxFree", "주문 면세금액", "Order tax-free"},
		{"discount", "할인금액", "Discount"},
		{"discountTaxFree", "할인 면세금액", "Discount tax-free"},
		{"discountShare", "할인분담금", "Discount share"},
		{"discountShareTaxFree", "할인분담 면세금액", "Discount share tax-free"},
		{"platformFee", "중개수수료", "Platform fee"},
		{"platformFeeVat", "중개수수료 부가세", "Platform fee VAT"},
		{"additionalFee", "추가수수료", "Additional fee"},
		{"additionalFeeVat", "추가수수료 부가세", "Additional fee VAT"},
		{"payment", "결제금액", "Payment"},
		{"paymentTaxFree", "결제 면세금액", "Payment tax-free"},
		{"paymentSupply", "결제 공급가액", "Payment supply value"},
		{"paymentVat", "결제 부가세", "Payment VAT"},
		{"paymentVatBurden", "결제 부가세 부담금", "Payment VAT burden"},
		{"settlement", "정산금액", "Settlement"},
		{"settlementTaxFree", "정산 면세금액", "Settlement tax-free"},
	}
}

// amountColumns returns one money column per amount field, reading the
// Amounts that get returns, with schema paths prefix+name.
func amountColumns[T any](prefix string, get func(*T) *settlement.Amounts) []column[T] {
	byName := make(map[string]settlement.AmountField, len(settlement.AmountFields))
	for _, f := range settlement.AmountFields {
		byName[f.Name] = f
	}
	var cols []column[T]
	add := func(l amountLabel, f settlement.AmountField) {
		cols = append(cols, column[T]{
			ko: l.ko, en: l.en, key: prefix + l.name, width: 14, k: kMoney, field: l.name,
			set: func(r *T, v *value) { v.money(*f.Get(get(r))) },
		})
	}
	for _, l := range amountOrder() {
		if f, ok := byName[l.name]; ok {
			add(l, f)
			delete(byName, l.name)
		}
	}
	for _, f := range settlement.AmountFields { // fields amountOrder does not know yet
		if _, ok := byName[f.Name]; ok {
			add(amountLabel{f.Name, f.Name, f.Name}, f)
		}
	}
	return cols
}

func textCol[T any](ko, en, key string, width float64, get func(*T) string) column[T] {
	return column[T]{ko: ko, en: en, key: key, width: width, k: kText, set: func(r *T, v *value) { v.text(get(r)) }}
}

func dateCol[T any](ko, en, key string, get func(*T) settlement.Date) column[T] {
	return column[T]{ko: ko, en: en, key: key, width: 12, k: kDate, set: func(r *T, v *value) { v.date(get(r)) }}
}

// portOneCols are the two columns after the amounts of a block: PortOne's
// settlement and our settlement minus PortOne's (blank when PortOne has not
// answered).
func portOneCols[T any](prefix string, get func(*T) (local settlement.Won, portOne *settlement.Won)) []column[T] {
	return []column[T]{
		{ko: "PortOne 정산금액", en: "PortOne settlement", key: prefix + "settlement (PortOne)", width: 16, k: kMoney, field: fieldPortOne,
			set: func(r *T, v *value) { _, p := get(r); v.optMoney(p) }},
		{ko: "차이", en: "Difference", key: "local − PortOne", width: 12, k: kMoney, field: fieldDiff,
			set: func(r *T, v *value) {
				l, p := get(r)
				if p == nil {
					v.blank()
					return
				}
				v.money(l - *p)
			}},
	}
}

func orderColumns(cancel bool) []column[OrderRow] {
	cols := []column[OrderRow]{
		textCol("파트너 ID", "Partner ID", "partner.id", 14, func(r *OrderRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", 18, func(r *OrderRow) string { return r.PartnerName }),
		textCol("결제 ID", "Payment ID", "payment.id", 20, func(r *OrderRow) string { return string(r.PaymentID) }),
	}
	if cancel {
		cols = append(cols, textCol("취소 ID", "Cancellation ID", "cancellation.id", 20, func(r *OrderRow) string { return string(r.CancellationID) }))
	}
	cols = append(cols,
		textCol("이체 ID", "Transfer ID", "id", 20, func(r *OrderRow) string { return string(r.TransferID) }),
		dateCol("정산시작일", "Settlement start date", "settlementStartDate", func(r *OrderRow) settlement.Date { return r.SettlementStartDate }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *OrderRow) settlement.Date { return r.SettlementDate }),
		textCol("상태", "Status", "status", 12, func(r *OrderRow) string { return string(r.Status) }),
	)
	cols = append(cols, amountColumns("amount.", func(r *OrderRow) *settlement.Amounts { return &r.Amounts })...)
	cols = append(cols, portOneCols("amount.", func(r *OrderRow) (settlement.Won, *settlement.Won) {
		return r.Amounts.Settlement, r.PortOneSettlement
	})...)
	return cols
}

func orderLineColumns() []column[OrderLineRow] {
	cols := []column[OrderLineRow]{
		textCol("유형", "Type", "type", 14, func(r *OrderLineRow) string { return string(r.Kind) }),
		textCol("파트너 ID", "Partner ID", "partner.id", 14, func(r *OrderLineRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", 18, func(r *OrderLineRow) string { return r.PartnerName }),
		textCol("결제 ID", "Payment ID", "payment.id", 20, func(r *OrderLineRow) string { return string(r.PaymentID) }),
		textCol("취소 ID", "Cancellation ID", "cancellation.id", 16, func(r *OrderLineRow) string { return string(r.CancellationID) }),
		textCol("이체 ID", "Transfer ID", "id", 20, func(r *OrderLineRow) string { return string(r.TransferID) }),
		textCol("상품 ID", "Product ID", "orderLines[].product.id", 14, func(r *OrderLineRow) string { return r.ProductID }),
		textCol("상품명", "Product name", "orderLines[].product.name", 20, func(r *OrderLineRow) string { return r.ProductName }),
		{ko: "수량", en: "Quantity", key: "orderLines[].quantity", width: 8, k: kInt,
			set: func(r *OrderLineRow, v *value) { v.integer(r.Quantity) }},
		dateCol("정산시작일", "Settlement start date", "settlementStartDate", func(r *OrderLineRow) settlement.Date { return r.SettlementStartDate }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *OrderLineRow) settlement.Date { return r.SettlementDate }),
	}
	cols = append(cols, amountColumns("orderLines[].amount.", func(r *OrderLineRow) *settlement.Amounts { return &r.Amounts })...)
	cols = append(cols, portOneCols("orderLines[].amount.", func(r *OrderLineRow) (settlement.Won, *settlement.Won) {
		return r.Amounts.Settlement, r.PortOneSettlement
	})...)
	return cols
}

func mismatchColumns() []column[MismatchRow] {
	return []column[MismatchRow]{
		textCol("유형", "Type", "type", 14, func(r *MismatchRow) string { return string(r.Kind) }),
		textCol("파트너 ID", "Partner ID", "partner.id", 14, func(r *MismatchRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", 18, func(r *MismatchRow) string { return r.PartnerName }),
		textCol("결제 ID", "Payment ID", "payment.id", 20, func(r *MismatchRow) string { return string(r.PaymentID) }),
		textCol("취소 ID", "Cancellation ID", "cancellation.id", 16, func(r *MismatchRow) string { return string(r.CancellationID) }),
		textCol("이체 ID", "Transfer ID", "id", 20, func(r *MismatchRow) string { return string(r.TransferID) }),
		textCol("상품 ID", "Product ID", "orderLines[].product.id", 14, func(r *MismatchRow) string { return r.ProductID }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *MismatchRow) settlement.Date { return r.SettlementDate }),
		textCol("필드", "Field", "field", 24, func(r *MismatchRow) string { return r.Field }),
		{ko: "우리 값", en: "Local", key: "local", width: 14, k: kMoney, set: func(r *MismatchRow, v *value) {
			if r.Local == nil && r.LocalText != "" {
				v.text(r.LocalText)
				return
			}
			v.optMoney(r.Local)
		}},
		{ko: "PortOne 값", en: "PortOne", key: "PortOne", width: 14, k: kMoney, set: func(r *MismatchRow, v *value) {
			if r.PortOne == nil && r.PortOneText != "" {
				v.text(r.PortOneText)
				return
			}
			v.optMoney(r.PortOne)
		}},
		{ko: "차이", en: "Difference", key: "local − PortOne", width: 12, k: kMoney, set: func(r *MismatchRow, v *value) {
			if r.Local == nil && r.PortOne == nil {
				v.blank()
				return
			}
			var l, p settlement.Won
			if r.Local != nil {
				l = *r.Local
			}
			if r.PortOne != nil {
				p = *r.PortOne
			}
			v.money(l - p)
		}},
		textCol("사유", "Reason", "reason", 28, func(r *MismatchRow) string { return r.Reason }),
	}
}

func transferColumns() []column[TransferRow] {
	return []column[TransferRow]{
		textCol("이체 ID", "Transfer ID", "id", 20, func(r *TransferRow) string { return string(r.TransferID) }),
		textCol("유형", "Type", "type", 14, func(r *TransferRow) string { return string(r.Kind) }),
		textCol("파트너 ID", "Partner ID", "partner.id", 14, func(r *TransferRow) string { return string(r.PartnerID) }),
		textCol("파트너명", "Partner name", "partner.name", 18, func(r *TransferRow) string { return r.PartnerName }),
		textCol("결제 ID", "Payment ID", "payment.id", 20, func(r *TransferRow) string { return string(r.PaymentID) }),
		textCol("취소 ID", "Cancellation ID", "cancellation.id", 16, func(r *TransferRow) string { return string(r.CancellationID) }),
		dateCol("정산시작일", "Settlement start date", "settlementStartDate", func(r *TransferRow) settlement.Date { return r.SettlementStartDate }),
		dateCol("정산일", "Settlement date", "settlementDate", func(r *TransferRow) settlement.Date { return r.SettlementDate }),
		{ko: "정산금액", en: "Settlement", key: "amount.settlement", width: 14, k: kMoney,
			set: func(r *TransferRow, v *value) { v.money(r.Settlement) }},
		textCol("이전 상태", "Previous status", "status (before)", 14, func(r *TransferRow) string { return string(r.PreviousStatus) }),
		textCol("상태", "Status", "status", 14, func(r *TransferRow) string { return string(r.Status) }),
		{ko: "확인 시각", en: "Observed at", key: "observedAt", width: 20, k: kTime,
			set: func(r *TransferRow, v *value) { v.instant(r.ObservedAt) }},
		textCol("비고", "Note", "note", 30, func(r *TransferRow) string { return r.Note }),
	}
}

// maxRawCell is how many characters of a rejected record's raw payload a
// cell shows.
const maxRawCell = 500

func rejectedColumns() []column[RejectedRow] {
	return []column[RejectedRow]{
		textCol("출처", "Source", "source", 10, func(r *RejectedRow) string { return r.Source }),
		textCol("파일", "File", "file", 20, func(r *RejectedRow) string { return r.File }),
		{ko: "행", en: "Line", key: "line", width: 8, k: kInt, set: func(r *RejectedRow, v *value) {
			if r.Line == 0 {
				v.blank()
				return
			}
			v.integer(int64(r.Line))
		}},
		textCol("레코드 ID", "Record ID", "paymentId / cancellationId", 20, func(r *RejectedRow) string { return r.RecordID }),
		textCol("필드", "Field", "field", 16, func(r *RejectedRow) string { return r.Field }),
		textCol("사유", "Reason", "reason", 40, func(r *RejectedRow) string { return r.Reason }),
		{ko: "접수 시각", en: "Received at", key: "receivedAt", width: 20, k: kTime,
			set: func(r *RejectedRow, v *value) { v.instant(r.ReceivedAt) }},
		textCol("원본 (일부)", "Raw record (excerpt)", "raw", 60, func(r *RejectedRow) string { return cleanRaw(r.Raw, maxRawCell) }),
	}
}
