package intake

import (
	"errors"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// csvInput is the typed record the rows of one CSV record build: PortOne's
// body plus the record's fields, exactly as a JSON record decodes to, so
// that both go through the one validator. Exactly one field is set.
type csvInput struct {
	order  *orderInput
	cancel *cancelInput
}

func (in csvInput) validate(r Rules) (Record, error) {
	if in.cancel != nil {
		c, err := r.cancel(in.cancel, nil)
		return Record{Cancel: c}, err
	}
	o, err := r.order(in.order, nil)
	return Record{Order: o}, err
}

// csvBuild assembles one record from its rows, tracking which line each
// value came from so that errors point at the right row and column. It
// reports at most one problem per row, and every row's.
type csvBuild struct {
	h      *csvHeader
	rows   []csvRow
	name   string
	src    map[string]int    // column -> line its record-level value came from
	values map[string]string // record-level values read so far
	probs  []*Problem
	failed map[int]bool // lines with a problem already
}

func newCSVBuild(h *csvHeader, rows []csvRow, name string) *csvBuild {
	return &csvBuild{h: h, rows: rows, name: name, src: map[string]int{}, values: map[string]string{}, failed: map[int]bool{}}
}

func (b *csvBuild) failErr(line int, err *settlement.Error) {
	if b.failed[line] {
		return
	}
	b.failed[line] = true
	b.probs = append(b.probs, &Problem{Source: b.name, Line: line, Err: err})
}

func (b *csvBuild) fail(line int, field, format string, args ...any) {
	b.failErr(line, invalid(field, format, args...))
}

// recordType decides the record's type from its rows: the type column,
// else ORDER_CANCEL when cancellationId is set. Every row must agree.
func (b *csvBuild) recordType() (string, *Problem) {
	var typ string
	for _, r := range b.rows {
		t, err := recordType(strings.ToUpper(b.h.get(r.fields, "type")), b.h.get(r.fields, "cancellationId") != "", "")
		if err != nil {
			return TypeOrder, &Problem{Source: b.name, Line: r.line, Err: err}
		}
		if typ == "" {
			typ = t
		} else if t != typ {
			return typ, &Problem{Source: b.name, Line: r.line, Err: invalid("type", "is %s but earlier rows of this record are %s", t, typ)}
		}
	}
	return typ, nil
}

// record returns the record-level value of column: the first non-blank
// value; a later row with another non-blank value is a problem.
func (b *csvBuild) record(column string) string {
	if v, ok := b.values[column]; ok {
		return v
	}
	var v string
	for _, r := range b.rows {
		x := b.h.get(r.fields, column)
		if x == "" {
			continue
		}
		if v == "" {
			v = x
			b.src[column] = r.line
			continue
		}
		if x != v {
			b.fail(r.line, column, "is %q but the record's first row says %q; record-level columns must agree or be blank", clip(x), clip(v))
		}
	}
	b.values[column] = v
	return v
}

func (b *csvBuild) line(column string) int {
	if l, ok := b.src[column]; ok {
		return l
	}
	return b.rows[0].line
}

func parseInt(column, s string) (int64, *settlement.Error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, invalid(column, "out of range, got %q", clip(s))
		}
		return 0, invalid(column, "want an integer, got %q", clip(s))
	}
	return n, nil
}

// recordInt reads an optional record-level integer column.
func (b *csvBuild) recordInt(column string) *int64 {
	v := b.record(column)
	if v == "" {
		return nil
	}
	n, err := parseInt(column, v)
	if err != nil {
		b.failErr(b.line(column), err)
		return nil
	}
	return &n
}

// rowInt reads an integer column of one row; ok is false when it is blank
// (a problem when required) or bad (a problem).
func (b *csvBuild) rowInt(r csvRow, column string, required bool) (int64, bool) {
	v := b.h.get(r.fields, column)
	if v == "" {
		if required {
			b.fail(r.line, column, "required")
		}
		return 0, false
	}
	n, err := parseInt(column, v)
	if err != nil {
		b.failErr(r.line, err)
		return 0, false
	}
	return n, true
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// discountList builds a discount list from three ;-separated columns.
func discountList(idCol, amtCol, tfCol, ids, amts, tfs string) ([]transfer.DiscountInput, *settlement.Error) {
	idl, al, tl := splitList(ids), splitList(amts), splitList(tfs)
	if len(idl) != len(al) {
		return nil, invalid(amtCol, "%d amounts for %d policies in %s", len(al), len(idl), idCol)
	}
	if tl != nil && len(tl) != len(idl) {
		return nil, invalid(tfCol, "%d tax-free amounts for %d policies in %s", len(tl), len(idl), idCol)
	}
	out := make([]transfer.DiscountInput, 0, len(idl))
	for i, id := range idl {
		d := transfer.DiscountInput{SharePolicyID: id}
		n, err := parseInt(amtCol, al[i])
		if err != nil {
			return nil, err
		}
		d.Amount = n
		if tl != nil && tl[i] != "" {
			n, err := parseInt(tfCol, tl[i])
			if err != nil {
				return nil, err
			}
			d.TaxFreeAmount = &n
		}
		out = append(out, d)
	}
	return out, nil
}

func feeList(ids string) []transfer.AdditionalFeeInput {
	out := []transfer.AdditionalFeeInput{}
	for _, id := range splitList(ids) {
		out = append(out, transfer.AdditionalFeeInput{PolicyID: id})
	}
	return out
}

// extras are the unknown columns, kept as string fields of the record.
func (b *csvBuild) extras() jsontext.Value {
	m := map[string]string{}
	for _, name := range b.h.extras {
		if name == "" {
			continue
		}
		if v := b.record(name); v != "" {
			m[name] = v
		}
	}
	if len(m) == 0 {
		return nil
	}
	v, err := jsonv2.Marshal(m, jsonv2.Deterministic(true))
	if err != nil {
		return nil
	}
	return v
}

// build assembles the typed record; it returns every row's problem.
func (b *csvBuild) build() (csvInput, []*Problem) {
	typ, p := b.recordType()
	if p != nil {
		b.failErr(p.Line, p.Err)
	}
	use := useOrder
	if typ == TypeOrderCancel {
		use = useCancel
	}
	// Columns of the other record type must be blank.
	for _, c := range csvColumns {
		if c.use&use != 0 {
			continue
		}
		for _, r := range b.rows {
			if b.h.get(r.fields, c.name) != "" {
				b.fail(r.line, c.name, "not used on %s rows; leave it blank", typ)
			}
		}
	}
	taxFree := b.recordInt("taxFreeAmount")
	ds, err := discountList("orderDiscountPolicyId", "orderDiscountAmount", "orderDiscountTaxFree",
		b.record("orderDiscountPolicyId"), b.record("orderDiscountAmount"), b.record("orderDiscountTaxFree"))
	if err != nil {
		b.failErr(b.line(err.Field), err)
	}
	unknown := b.extras()
	amount := b.recordInt("orderAmount")
	if typ == TypeOrderCancel {
		in := &cancelInput{Unknown: unknown, CancelledAt: b.record("cancelledAt")}
		in.CancellationID = b.record("cancellationId")
		in.PartnerID, in.PaymentID, in.Memo = b.record("partnerId"), b.record("paymentId"), b.record("memo")
		in.SettlementStartDate, in.SettlementDate = b.record("settlementStartDate"), b.record("settlementDate")
		in.TaxFreeAmount, in.Discounts = taxFree, ds
		in.OrderDetail = b.cancelDetail(amount)
		return csvInput{cancel: in}, b.probs
	}
	in := &orderInput{Unknown: unknown, PaidAt: b.record("paidAt")}
	in.PartnerID, in.PaymentID, in.Memo = b.record("partnerId"), b.record("paymentId"), b.record("memo")
	in.ContractID = b.record("contractId")
	in.SettlementStartDate, in.SettlementDate = b.record("settlementStartDate"), b.record("settlementDate")
	in.TaxFreeAmount, in.Discounts = taxFree, ds
	in.AdditionalFees = feeList(b.record("orderAdditionalFeePolicyIds"))
	if cur, name := b.record("currency"), b.record("orderName"); cur != "" {
		in.ExternalPaymentDetail = &transfer.ExternalPaymentDetail{Currency: transfer.Currency(cur), OrderName: name}
	} else if name != "" {
		b.fail(b.line("orderName"), "orderName", "needs currency (it belongs to an external payment)")
	}
	in.OrderDetail = b.orderDetail(amount)
	return csvInput{order: in}, b.probs
}

func (b *csvBuild) orderDetail(amount *int64) transfer.OrderDetailInput {
	if amount != nil {
		for _, r := range b.rows {
			if b.h.get(r.fields, "productId") != "" {
				b.fail(r.line, "productId", "an order with orderAmount has no lines; leave product columns blank")
			}
		}
		if len(b.rows) > 1 {
			b.fail(b.rows[1].line, "orderAmount", "an order with orderAmount is one row")
		}
		return transfer.OrderDetailInput{OrderAmount: amount}
	}
	lines := make([]transfer.OrderLineInput, 0, len(b.rows))
	for _, r := range b.rows {
		get := func(c string) string { return b.h.get(r.fields, c) }
		if get("productId") == "" {
			b.fail(r.line, "productId", "required (or orderAmount, for an order without lines)")
			continue
		}
		l := transfer.OrderLineInput{Product: transfer.ProductInput{ID: get("productId"), Name: get("productName"), Tag: get("productTag")}}
		l.Product.Amount, _ = b.rowInt(r, "unitAmount", true)
		if tf, ok := b.rowInt(r, "unitTaxFree", false); ok {
			l.Product.TaxFreeAmount = &tf
		}
		l.Quantity, _ = b.rowInt(r, "quantity", true)
		ds, err := discountList("lineDiscountPolicyId", "lineDiscountAmount", "lineDiscountTaxFree",
			get("lineDiscountPolicyId"), get("lineDiscountAmount"), get("lineDiscountTaxFree"))
		if err != nil {
			b.failErr(r.line, err)
		}
		l.Discounts = ds
		l.AdditionalFees = feeList(get("lineAdditionalFeePolicyIds"))
		lines = append(lines, l)
	}
	return transfer.OrderDetailInput{OrderLines: lines}
}

func (b *csvBuild) cancelDetail(amount *int64) *transfer.CancelOrderDetailInput {
	allText := b.record("cancelAll")
	all, err := parseBool(allText)
	if err != nil {
		b.fail(b.line("cancelAll"), "cancelAll", "want true or false, got %q", clip(allText))
	}
	hasLines := false
	for _, r := range b.rows {
		if b.h.get(r.fields, "productId") != "" {
			hasLines = true
		}
	}
	forms := 0
	for _, f := range []bool{all, amount != nil, hasLines} {
		if f {
			forms++
		}
	}
	if forms != 1 {
		b.fail(b.rows[0].line, "cancelAll", "a cancellation is exactly one of cancelAll=true, orderAmount, or productId rows; got %d", forms)
		return &transfer.CancelOrderDetailInput{}
	}
	switch {
	case all:
		if len(b.rows) > 1 {
			b.fail(b.rows[1].line, "cancelAll", "a cancelAll cancellation is one row")
		}
		return &transfer.CancelOrderDetailInput{All: &struct{}{}}
	case amount != nil:
		if len(b.rows) > 1 {
			b.fail(b.rows[1].line, "orderAmount", "a cancellation by orderAmount is one row")
		}
		return &transfer.CancelOrderDetailInput{OrderAmount: amount}
	}
	lines := make([]transfer.CancelOrderLineInput, 0, len(b.rows))
	for _, r := range b.rows {
		get := func(c string) string { return b.h.get(r.fields, c) }
		if get("productId") == "" {
			b.fail(r.line, "productId", "required on every row of a cancellation by lines")
			continue
		}
		q, _ := b.rowInt(r, "quantity", true)
		ds, err := discountList("lineDiscountPolicyId", "lineDiscountAmount", "lineDiscountTaxFree",
			get("lineDiscountPolicyId"), get("lineDiscountAmount"), get("lineDiscountTaxFree"))
		if err != nil {
			b.failErr(r.line, err)
		}
		lines = append(lines, transfer.CancelOrderLineInput{ProductID: get("productId"), Quantity: q, Discounts: orEmpty(ds)})
	}
	return &transfer.CancelOrderDetailInput{OrderLines: lines}
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false", "0", "no", "n":
		return false, nil
	case "true", "1", "yes", "y":
		return true, nil
	}
	return false, errors.New("not a boolean")
}

// problem maps a validation error on the assembled record (a JSON path)
// back to the CSV row and column it came from.
func (b *csvBuild) problem(err error) *Problem {
	e := asFieldError(err, "")
	column, row := csvColumnOf(e.Field)
	c := *e
	c.Field = column
	line := b.rows[0].line
	if row >= 0 && row < len(b.rows) {
		line = b.rows[row].line
	} else if l, ok := b.src[column]; ok {
		line = l
	}
	return &Problem{Source: b.name, Line: line, Err: &c}
}
