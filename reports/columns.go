package reports

import (
	"time"
	"unicode/utf8"

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

// value is one cell before it is typed for the workbook or formatted for
// the CSV.
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

// column is one column of a table: its headers in both languages, the
// PortOne schema path shown in the second header row, and how a row fills
// it.
type column[T any] struct {
	ko, en string
	key    string // PortOne schema path (or our own field name where PortOne has none)
	width  float64
	k      kind // the kind of the column, for totals and widths
	set    func(r *T, v *value)
	field  string // amount field name for money columns taken from Amounts, else a pseudo field
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
			ko: l.ko, en: l.en, key: prefix + l.name, width: 12, k: kMoney, field: l.name,
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
	return column[T]{ko: ko, en: en, key: key, width: 11, k: kDate, set: func(r *T, v *value) { v.date(get(r)) }}
}

func timeCol[T any](ko, en, key string, get func(*T) time.Time) column[T] {
	return column[T]{ko: ko, en: en, key: key, width: 18, k: kTime, set: func(r *T, v *value) { v.instant(get(r)) }}
}

// portOneCols are the two columns after the amounts of a block: PortOne's
// settlement and our settlement minus PortOne's (blank when PortOne has not
// answered).
func portOneCols[T any](prefix string, get func(*T) (local settlement.Won, portOne *settlement.Won)) []column[T] {
	return []column[T]{
		{ko: "PortOne 정산금액", en: "PortOne settlement", key: prefix + "settlement (PortOne)", width: 13, k: kMoney, field: fieldPortOne,
			set: func(r *T, v *value) { _, p := get(r); v.optMoney(p) }},
		{ko: "차이 (우리 − PortOne)", en: "Difference (ours − PortOne)", key: "local − PortOne", width: 11, k: kMoney, field: fieldDiff,
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

// Pseudo field names of columns that are not amount fields.
const (
	fieldOrders     = "#orders"
	fieldCancels    = "#cancellations"
	fieldDetail     = "#detail"
	fieldCheck      = "#check"
	fieldPortOne    = "#portone"
	fieldDiff       = "#diff" // not checked: it depends on which transfers PortOne answered
	fieldUnanswered = "#unanswered"
	fieldKind       = "#kind"
	fieldQuantity   = "#quantity"
)

// textWidth is the column width that shows s in full: Hangul and other
// wide characters take about two digit widths.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 && utf8.RuneLen(r) >= 3 {
			w += 1.8
		} else {
			w++
		}
	}
	return w
}

// widthFor is the width of a column whose widest value is n characters
// wide, with room for the filter button.
func widthFor(n float64, min float64) float64 {
	return max(min, n+2)
}
