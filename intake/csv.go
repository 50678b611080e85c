package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/settle-dev/settle/settlement"
)

// CSV layout: one row per order line (the README is the user's
// reference). Consecutive rows with the same (partnerId, paymentId) — and
// cancellationId, for cancellations — are one record. Columns are matched
// by name, case-insensitively, in any order; only partnerId and paymentId
// are required in the header.

type colScope uint8

const (
	scopeRecord colScope = iota + 1 // one value per record: the first row's, later rows blank or equal
	scopeLine                       // one value per row (order line)
)

type colUse uint8

const (
	useOrder colUse = 1 << iota
	useCancel
	useBoth = useOrder | useCancel
)

type csvColumn struct {
	name  string
	scope colScope
	use   colUse
}

// csvColumns is every column the CSV format knows, in README order.
var csvColumns = []csvColumn{
	{"type", scopeRecord, useBoth},
	{"partnerId", scopeRecord, useBoth},
	{"paymentId", scopeRecord, useBoth},
	{"cancellationId", scopeRecord, useCancel},
	{"paidAt", scopeRecord, useOrder},
	{"cancelledAt", scopeRecord, useCancel},
	{"contractId", scopeRecord, useOrder},
	{"memo", scopeRecord, useBoth},
	{"currency", scopeRecord, useOrder},
	{"orderName", scopeRecord, useOrder},
	{"orderAmount", scopeRecord, useBoth},
	{"cancelAll", scopeRecord, useCancel},
	{"taxFreeAmount", scopeRecord, useBoth},
	{"settlementStartDate", scopeRecord, useBoth},
	{"settlementDate", scopeRecord, useBoth},
	{"orderDiscountPolicyId", scopeRecord, useBoth},
	{"orderDiscountAmount", scopeRecord, useBoth},
	{"orderDiscountTaxFree", scopeRecord, useBoth},
	{"orderAdditionalFeePolicyIds", scopeRecord, useOrder},
	{"productId", scopeLine, useBoth},
	{"productName", scopeLine, useOrder},
	{"productTag", scopeLine, useOrder},
	{"unitAmount", scopeLine, useOrder},
	{"unitTaxFree", scopeLine, useOrder},
	{"quantity", scopeLine, useBoth},
	{"lineDiscountPolicyId", scopeLine, useBoth},
	{"lineDiscountAmount", scopeLine, useBoth},
	{"lineDiscountTaxFree", scopeLine, useBoth},
	{"lineAdditionalFeePolicyIds", scopeLine, useOrder},
}

// reservedJSON are record fields a CSV column may not be named after (they
// have no CSV form); any other unknown column is kept as a string field.
var reservedJSON = map[string]bool{
	"id": true, "orderDetail": true, "discounts": true, "additionalFees": true,
	"externalPaymentDetail": true, "externalCancellationDetail": true, "isForTest": true,
	"parameters": true, "userDefinedProperties": true, "transferId": true,
}

// maxCSVRecordBytes caps the rows of one record together.
const maxCSVRecordBytes = 8 << 20

type csvHeader struct {
	cols   []string       // canonical name per position ("" for an extra column)
	extras []string       // original name per position for extra columns
	index  map[string]int // canonical name -> position
}

func (h *csvHeader) get(row []string, name string) string {
	i, ok := h.index[name]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

func parseCSVHeader(fields []string) (*csvHeader, *settlement.Error) {
	byLower := make(map[string]string, len(csvColumns))
	for _, c := range csvColumns {
		byLower[strings.ToLower(c.name)] = c.name
	}
	h := &csvHeader{cols: make([]string, len(fields)), extras: make([]string, len(fields)), index: map[string]int{}}
	seen := map[string]bool{}
	for i, f := range fields {
		name := strings.TrimSpace(f)
		if name == "" {
			return nil, invalid("header", "column %d has no name", i+1)
		}
		if seen[strings.ToLower(name)] {
			return nil, invalid(name, "column appears twice in the header")
		}
		seen[strings.ToLower(name)] = true
		if c, ok := byLower[strings.ToLower(name)]; ok {
			h.cols[i] = c
			h.index[c] = i
			continue
		}
		if reservedJSON[name] || name == "cancelledAt" || name == "paidAt" {
			return nil, invalid(name, "not a CSV column; use JSON Lines for this field")
		}
		h.extras[i] = name
	}
	for _, req := range []string{"partnerId", "paymentId"} {
		if _, ok := h.index[req]; !ok {
			return nil, invalid(req, "required column missing from the header")
		}
	}
	return h, nil
}

type csvRow struct {
	line   int
	fields []string
	raw    []byte
}

type csvGroup struct {
	key   string
	rows  []csvRow
	bytes int
	prob  *Problem
}

// readCSV streams a CSV file and emits one item per record.
func readCSV(ctx context.Context, r io.Reader, name string, ro readOpts, emit func(item) error) error {
	cr := newCSVReader(r, ro.maxLine)
	var (
		hdr     *csvHeader
		hdrRaw  []byte
		g       *csvGroup
		seen    = map[string]int{}
		lastKey string
	)
	flush := func() error {
		if g == nil {
			return nil
		}
		it := buildCSVRecord(g, hdr, name, ro.loc)
		it.raw = csvPayload(hdrRaw, g.rows)
		if it.prob == nil && ro.check != nil {
			ferr, err := ro.check(ctx, it.rec)
			if err != nil {
				return err
			}
			if ferr != nil {
				b := &csvBuild{h: hdr, g: g, name: name, src: map[string]int{}}
				it.prob = b.problem(ferr)
				setKey(it.prob, it.rec.Type(), it.rec.PartnerID(), it.rec.PaymentID(), it.rec.CancellationID())
				it.rec = Record{}
			}
		}
		g = nil
		return emit(it)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		fields, raw, line, perr, err := cr.next()
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			return fmt.Errorf("ingest: read %s: %w", name, err)
		}
		if perr != nil {
			if err := flush(); err != nil {
				return err
			}
			if err := emit(item{line: line, raw: raw, prob: &Problem{Source: name, Line: line, Err: perr}}); err != nil {
				return err
			}
			continue
		}
		if hdr == nil {
			h, herr := parseCSVHeader(fields)
			if herr != nil {
				// Without a header no row can be read: one problem for the file.
				return emit(item{line: line, raw: raw, prob: &Problem{Source: name, Line: line, Err: herr}})
			}
			hdr, hdrRaw = h, raw
			continue
		}
		if len(fields) != len(hdr.cols) {
			if err := flush(); err != nil {
				return err
			}
			p := &Problem{Source: name, Line: line, Err: invalid("", "want %d fields as in the header, got %d", len(hdr.cols), len(fields))}
			if err := emit(item{line: line, raw: csvPayload(hdrRaw, []csvRow{{raw: raw}}), prob: p}); err != nil {
				return err
			}
			continue
		}
		partner, payment, cancellation := hdr.get(fields, "partnerId"), hdr.get(fields, "paymentId"), hdr.get(fields, "cancellationId")
		key := partner + "\x00" + payment + "\x00" + cancellation
		row := csvRow{line: line, fields: fields, raw: raw}
		if g != nil && key == g.key {
			g.add(row, name)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		g = &csvGroup{key: key}
		if first, ok := seen[key]; ok && key != lastKey {
			g.prob = &Problem{Source: name, Line: line, Err: invalid("paymentId",
				"rows of one record must be consecutive; this record also has rows from line %d", first)}
		} else {
			seen[key] = line
		}
		lastKey = key
		g.add(row, name)
	}
}

func (g *csvGroup) add(row csvRow, name string) {
	g.bytes += len(row.raw)
	switch {
	case g.prob != nil:
		// already rejected; keep only the first rows for the payload
		if len(g.rows) < 100 {
			g.rows = append(g.rows, row)
		}
		return
	case len(g.rows) >= MaxLines:
		g.prob = &Problem{Source: name, Line: row.line, Err: invalid("productId", "at most %d rows (order lines) per record", MaxLines)}
		return
	case g.bytes > maxCSVRecordBytes:
		g.prob = &Problem{Source: name, Line: row.line, Err: invalid("", "record larger than %d bytes", maxCSVRecordBytes)}
		return
	}
	g.rows = append(g.rows, row)
}

// csvPayload is what a rejected CSV record is kept as: the header and its
// rows, at most 64 KiB.
func csvPayload(hdr []byte, rows []csvRow) []byte {
	const max = 64 << 10
	var b bytes.Buffer
	b.Write(hdr)
	for _, r := range rows {
		if b.Len()+len(r.raw) > max {
			b.WriteString("\n…")
			break
		}
		b.WriteByte('\n')
		b.Write(r.raw)
	}
	return b.Bytes()
}

// csvBuild assembles one record object from its rows, tracking which line
// each value came from so that errors point at the right row and column.
type csvBuild struct {
	h      *csvHeader
	g      *csvGroup
	name   string
	src    map[string]int // column -> line its record-level value came from
	values map[string]string
}

func buildCSVRecord(g *csvGroup, h *csvHeader, name string, loc *time.Location) item {
	first := g.rows[0]
	it := item{line: first.line}
	b := &csvBuild{h: h, g: g, name: name, src: map[string]int{}, values: map[string]string{}}
	typ, perr := b.recordType()
	if g.prob != nil {
		it.prob = g.prob
	} else if perr != nil {
		it.prob = perr
	}
	partner, payment, cancellation := h.get(first.fields, "partnerId"), h.get(first.fields, "paymentId"), h.get(first.fields, "cancellationId")
	if it.prob != nil {
		setKey(it.prob, typ, partner, payment, cancellation)
		return it
	}
	obj, perr := b.object(typ)
	if perr != nil {
		setKey(perr, typ, partner, payment, cancellation)
		it.prob = perr
		return it
	}
	data, err := json.Marshal(obj)
	if err != nil {
		it.prob = &Problem{Source: name, Line: first.line, Err: invalid("", "cannot encode record: %v", err)}
		return it
	}
	var rec Record
	if typ == TypeOrderCancel {
		c, err := decodeCancel(data, obj, loc)
		if err == nil {
			rec.Cancel = c
		}
		perr = b.problem(err)
	} else {
		o, err := decodeOrder(data, obj, loc)
		if err == nil {
			rec.Order = o
		}
		perr = b.problem(err)
	}
	if perr != nil {
		setKey(perr, typ, partner, payment, cancellation)
		it.prob = perr
		return it
	}
	it.rec = rec
	return it
}

func setKey(p *Problem, typ, partner, payment, cancellation string) {
	p.Type, p.PartnerID, p.RecordID = typ, partner, payment
	if typ == TypeOrderCancel {
		p.RecordID = cancellation
	}
}

func (b *csvBuild) fail(line int, field, format string, args ...any) *Problem {
	return &Problem{Source: b.name, Line: line, Err: invalid(field, format, args...)}
}

// recordType decides the record's type from its rows: the type column,
// else ORDER_CANCEL when cancellationId is set. Every row must agree.
func (b *csvBuild) recordType() (string, *Problem) {
	var typ string
	for _, r := range b.g.rows {
		t := strings.ToUpper(b.h.get(r.fields, "type"))
		hasCancel := b.h.get(r.fields, "cancellationId") != ""
		switch t {
		case "":
			t = TypeOrder
			if hasCancel {
				t = TypeOrderCancel
			}
		case TypeOrder:
			if hasCancel {
				return TypeOrder, b.fail(r.line, "cancellationId", "not allowed on an %s row", TypeOrder)
			}
		case TypeOrderCancel:
		default:
			return TypeOrder, b.fail(r.line, "type", "want %s or %s, got %q", TypeOrder, TypeOrderCancel, clip(t))
		}
		if typ == "" {
			typ = t
		} else if t != typ {
			return typ, b.fail(r.line, "type", "is %s but earlier rows of this record are %s", t, typ)
		}
	}
	return typ, nil
}

// record returns the record-level value of column: the first non-blank
// value; a later row with another non-blank value is an error.
func (b *csvBuild) record(column string) (string, *Problem) {
	if v, ok := b.values[column]; ok {
		return v, nil
	}
	var v string
	for _, r := range b.g.rows {
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
			return "", b.fail(r.line, column, "is %q but the record's first row says %q; record-level columns must agree or be blank", clip(x), clip(v))
		}
	}
	b.values[column] = v
	return v, nil
}

func (b *csvBuild) line(column string) int {
	if l, ok := b.src[column]; ok {
		return l
	}
	return b.g.rows[0].line
}

func parseIntColumn(column, s string) (json.Number, *settlement.Error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return "", invalid(column, "out of range, got %q", clip(s))
		}
		return "", invalid(column, "want an integer, got %q", clip(s))
	}
	return json.Number(strconv.FormatInt(n, 10)), nil
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

// discounts builds a discount list from three ;-separated columns.
func discountList(idCol, amtCol, tfCol, ids, amts, tfs string) ([]any, *settlement.Error) {
	idl, al, tl := splitList(ids), splitList(amts), splitList(tfs)
	if len(idl) != len(al) {
		return nil, invalid(amtCol, "%d amounts for %d policies in %s", len(al), len(idl), idCol)
	}
	if tl != nil && len(tl) != len(idl) {
		return nil, invalid(tfCol, "%d tax-free amounts for %d policies in %s", len(tl), len(idl), idCol)
	}
	out := make([]any, 0, len(idl))
	for i, id := range idl {
		d := map[string]any{"sharePolicyId": id}
		n, err := parseIntColumn(amtCol, al[i])
		if err != nil {
			return nil, err
		}
		d["amount"] = n
		if tl != nil && tl[i] != "" {
			n, err := parseIntColumn(tfCol, tl[i])
			if err != nil {
				return nil, err
			}
			d["taxFreeAmount"] = n
		}
		out = append(out, d)
	}
	return out, nil
}

func feeList(ids string) []any {
	out := []any{}
	for _, id := range splitList(ids) {
		out = append(out, map[string]any{"policyId": id})
	}
	return out
}

// object assembles the record object of type typ.
func (b *csvBuild) object(typ string) (map[string]any, *Problem) {
	use := useOrder
	if typ == TypeOrderCancel {
		use = useCancel
	}
	// Columns of the other record type must be blank.
	for _, c := range csvColumns {
		if c.use&use != 0 {
			continue
		}
		for _, r := range b.g.rows {
			if b.h.get(r.fields, c.name) != "" {
				return nil, b.fail(r.line, c.name, "not used on %s rows; leave it blank", typ)
			}
		}
	}
	obj := map[string]any{"type": typ}
	str := func(column, key string) *Problem {
		v, p := b.record(column)
		if p != nil {
			return p
		}
		if v != "" {
			obj[key] = v
		}
		return nil
	}
	num := func(column string) (json.Number, *Problem) {
		v, p := b.record(column)
		if p != nil || v == "" {
			return "", p
		}
		n, err := parseIntColumn(column, v)
		if err != nil {
			return "", &Problem{Source: b.name, Line: b.line(column), Err: err}
		}
		return n, nil
	}
	common := []string{"partnerId", "paymentId", "memo", "settlementStartDate", "settlementDate"}
	if typ == TypeOrder {
		common = append(common, "paidAt", "contractId")
	} else {
		common = append(common, "cancellationId", "cancelledAt")
	}
	for _, c := range common {
		if p := str(c, c); p != nil {
			return nil, p
		}
	}
	if n, p := num("taxFreeAmount"); p != nil {
		return nil, p
	} else if n != "" {
		obj["taxFreeAmount"] = n
	}
	ids, p1 := b.record("orderDiscountPolicyId")
	amts, p2 := b.record("orderDiscountAmount")
	tfs, p3 := b.record("orderDiscountTaxFree")
	if p := firstProblem(p1, p2, p3); p != nil {
		return nil, p
	}
	ds, err := discountList("orderDiscountPolicyId", "orderDiscountAmount", "orderDiscountTaxFree", ids, amts, tfs)
	if err != nil {
		return nil, &Problem{Source: b.name, Line: b.line(err.Field), Err: err}
	}
	obj["discounts"] = ds
	// Unknown columns are kept as string fields of the record.
	for i, name := range b.h.extras {
		if name == "" {
			continue
		}
		var v string
		for _, r := range b.g.rows {
			x := strings.TrimSpace(r.fields[i])
			if x == "" {
				continue
			}
			if v == "" {
				v = x
			} else if x != v {
				return nil, b.fail(r.line, name, "is %q but the record's first row says %q; record-level columns must agree or be blank", clip(x), clip(v))
			}
		}
		if v != "" {
			obj[name] = v
		}
	}
	amount, p := num("orderAmount")
	if p != nil {
		return nil, p
	}
	if typ == TypeOrder {
		return b.orderObject(obj, amount)
	}
	return b.cancelObject(obj, amount)
}

func firstProblem(ps ...*Problem) *Problem {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

func (b *csvBuild) orderObject(obj map[string]any, amount json.Number) (map[string]any, *Problem) {
	fees, p := b.record("orderAdditionalFeePolicyIds")
	if p != nil {
		return nil, p
	}
	obj["additionalFees"] = feeList(fees)
	cur, p := b.record("currency")
	if p != nil {
		return nil, p
	}
	name, p := b.record("orderName")
	if p != nil {
		return nil, p
	}
	if cur != "" {
		ext := map[string]any{"currency": cur}
		if name != "" {
			ext["orderName"] = name
		}
		obj["externalPaymentDetail"] = ext
	} else if name != "" {
		return nil, b.fail(b.line("orderName"), "orderName", "needs currency (it belongs to an external payment)")
	}
	if amount != "" {
		for _, r := range b.g.rows {
			if b.h.get(r.fields, "productId") != "" {
				return nil, b.fail(r.line, "productId", "an order with orderAmount has no lines; leave product columns blank")
			}
		}
		if len(b.g.rows) > 1 {
			return nil, b.fail(b.g.rows[1].line, "orderAmount", "an order with orderAmount is one row")
		}
		obj["orderDetail"] = map[string]any{"orderAmount": amount}
		return obj, nil
	}
	lines := make([]any, 0, len(b.g.rows))
	for _, r := range b.g.rows {
		get := func(c string) string { return b.h.get(r.fields, c) }
		if get("productId") == "" {
			return nil, b.fail(r.line, "productId", "required (or orderAmount, for an order without lines)")
		}
		product := map[string]any{"id": get("productId"), "name": get("productName")}
		if v := get("productTag"); v != "" {
			product["tag"] = v
		}
		for _, c := range []struct{ col, key string }{{"unitAmount", "amount"}, {"unitTaxFree", "taxFreeAmount"}} {
			v := get(c.col)
			if v == "" {
				if c.col == "unitAmount" {
					return nil, b.fail(r.line, c.col, "required")
				}
				continue
			}
			n, err := parseIntColumn(c.col, v)
			if err != nil {
				return nil, &Problem{Source: b.name, Line: r.line, Err: err}
			}
			product[c.key] = n
		}
		line := map[string]any{"product": product}
		q, perr := b.quantity(r)
		if perr != nil {
			return nil, perr
		}
		line["quantity"] = q
		ds, err := discountList("lineDiscountPolicyId", "lineDiscountAmount", "lineDiscountTaxFree",
			get("lineDiscountPolicyId"), get("lineDiscountAmount"), get("lineDiscountTaxFree"))
		if err != nil {
			return nil, &Problem{Source: b.name, Line: r.line, Err: err}
		}
		line["discounts"] = ds
		line["additionalFees"] = feeList(get("lineAdditionalFeePolicyIds"))
		lines = append(lines, line)
	}
	obj["orderDetail"] = map[string]any{"orderLines": lines}
	return obj, nil
}

func (b *csvBuild) quantity(r csvRow) (json.Number, *Problem) {
	v := b.h.get(r.fields, "quantity")
	if v == "" {
		return "", b.fail(r.line, "quantity", "required")
	}
	n, err := parseIntColumn("quantity", v)
	if err != nil {
		return "", &Problem{Source: b.name, Line: r.line, Err: err}
	}
	return n, nil
}

func (b *csvBuild) cancelObject(obj map[string]any, amount json.Number) (map[string]any, *Problem) {
	allText, p := b.record("cancelAll")
	if p != nil {
		return nil, p
	}
	all, err := parseBool(allText)
	if err != nil {
		return nil, b.fail(b.line("cancelAll"), "cancelAll", "want true or false, got %q", clip(allText))
	}
	hasLines := false
	for _, r := range b.g.rows {
		if b.h.get(r.fields, "productId") != "" {
			hasLines = true
		}
	}
	forms := 0
	for _, f := range []bool{all, amount != "", hasLines} {
		if f {
			forms++
		}
	}
	if forms != 1 {
		return nil, b.fail(b.g.rows[0].line, "cancelAll", "a cancellation is exactly one of cancelAll=true, orderAmount, or productId rows; got %d", forms)
	}
	switch {
	case all:
		if len(b.g.rows) > 1 {
			return nil, b.fail(b.g.rows[1].line, "cancelAll", "a cancelAll cancellation is one row")
		}
		obj["orderDetail"] = map[string]any{"all": map[string]any{}}
		return obj, nil
	case amount != "":
		if len(b.g.rows) > 1 {
			return nil, b.fail(b.g.rows[1].line, "orderAmount", "a cancellation by orderAmount is one row")
		}
		obj["orderDetail"] = map[string]any{"orderAmount": amount}
		return obj, nil
	}
	lines := make([]any, 0, len(b.g.rows))
	for _, r := range b.g.rows {
		get := func(c string) string { return b.h.get(r.fields, c) }
		if get("productId") == "" {
			return nil, b.fail(r.line, "productId", "required on every row of a cancellation by lines")
		}
		q, perr := b.quantity(r)
		if perr != nil {
			return nil, perr
		}
		ds, err := discountList("lineDiscountPolicyId", "lineDiscountAmount", "lineDiscountTaxFree",
			get("lineDiscountPolicyId"), get("lineDiscountAmount"), get("lineDiscountTaxFree"))
		if err != nil {
			return nil, &Problem{Source: b.name, Line: r.line, Err: err}
		}
		lines = append(lines, map[string]any{"productId": get("productId"), "quantity": q, "discounts": ds})
	}
	obj["orderDetail"] = map[string]any{"orderLines": lines}
	return obj, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false", "0", "no", "n":
		return false, nil
	case "true", "1", "yes", "y":
		return true, nil
	}
	return false, fmt.Errorf("not a boolean")
}

// problem maps a validation error on the assembled record (a JSON path)
// back to the CSV row and column it came from.
func (b *csvBuild) problem(err error) *Problem {
	if err == nil {
		return nil
	}
	e := asFieldError(err, "")
	column, row := csvColumnOf(e.Field)
	c := *e
	c.Field = column
	line := b.g.rows[0].line
	if row >= 0 && row < len(b.g.rows) {
		line = b.g.rows[row].line
	} else if l, ok := b.src[column]; ok {
		line = l
	}
	return &Problem{Source: b.name, Line: line, Err: &c}
}

var csvLineFields = map[string]string{
	"product.id": "productId", "product.name": "productName", "product.amount": "unitAmount",
	"product.taxFreeAmount": "unitTaxFree", "product.tag": "productTag", "quantity": "quantity",
	"productId": "productId", "discounts": "lineDiscountAmount",
	"discounts.sharePolicyId": "lineDiscountPolicyId", "discounts.amount": "lineDiscountAmount",
	"discounts.taxFreeAmount": "lineDiscountTaxFree", "additionalFees": "lineAdditionalFeePolicyIds",
	"additionalFees.policyId": "lineAdditionalFeePolicyIds",
}

var csvRecordFields = map[string]string{
	"discounts": "orderDiscountAmount", "discounts.sharePolicyId": "orderDiscountPolicyId",
	"discounts.amount": "orderDiscountAmount", "discounts.taxFreeAmount": "orderDiscountTaxFree",
	"additionalFees": "orderAdditionalFeePolicyIds", "additionalFees.policyId": "orderAdditionalFeePolicyIds",
	"orderDetail.orderAmount": "orderAmount", "orderDetail.orderLines": "productId",
	"orderDetail": "productId", "orderDetail.all": "cancelAll",
	"externalPaymentDetail.currency": "currency", "externalPaymentDetail.orderName": "orderName",
}

// csvColumnOf maps a JSON path of the record shape to a CSV column and the
// index of the order line (row) it belongs to, -1 for record-level fields.
func csvColumnOf(path string) (column string, row int) {
	const linesPrefix = "orderDetail.orderLines["
	row = -1
	rest := path
	if strings.HasPrefix(path, linesPrefix) {
		end := strings.IndexByte(path[len(linesPrefix):], ']')
		if end >= 0 {
			if n, err := strconv.Atoi(path[len(linesPrefix) : len(linesPrefix)+end]); err == nil {
				row = n
			}
			rest = strings.TrimPrefix(path[len(linesPrefix)+end+1:], ".")
			if c, ok := csvLineFields[stripIndexes(rest)]; ok {
				return c, row
			}
			return path, row
		}
	}
	if c, ok := csvRecordFields[stripIndexes(rest)]; ok {
		return c, row
	}
	return path, row
}

func stripIndexes(p string) string {
	var b strings.Builder
	depth := 0
	for _, r := range p {
		switch {
		case r == '[':
			depth++
		case r == ']' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ---- reading records ----

// csvReader reads logical CSV records: a quoted field may span lines, and
// the record as a whole is capped.
type csvReader struct {
	lr  *lineReader
	buf []byte
}

func newCSVReader(r io.Reader, maxLine int) *csvReader {
	return &csvReader{lr: newLineReader(r, maxLine)}
}

// next returns the fields of the next non-blank record, its raw text and its
// first line. perr reports a record that cannot be parsed (it is skipped);
// err is an I/O error or io.EOF.
func (c *csvReader) next() (fields []string, raw []byte, line int, perr *settlement.Error, err error) {
	c.buf = c.buf[:0]
	start := 0
	tooLong := false
	for {
		l, long, err := c.lr.next()
		if err == io.EOF {
			if start == 0 {
				return nil, nil, 0, nil, io.EOF
			}
			// Input ended inside a quoted field.
			return nil, bytes.Clone(c.buf), start, invalid("", "quoted field not closed before the end of the file"), nil
		}
		if err != nil {
			return nil, nil, 0, nil, err
		}
		if start == 0 {
			if !long && len(bytes.TrimSpace(l)) == 0 {
				continue // blank line between records
			}
			start = c.lr.line
		} else {
			c.buf = append(c.buf, '\n')
		}
		if long || len(c.buf)+len(l) > c.lr.max {
			tooLong = true
		}
		if !tooLong {
			c.buf = append(c.buf, l...)
		}
		if tooLong || bytes.Count(c.buf, []byte{'"'})%2 == 0 {
			break
		}
	}
	if tooLong {
		return nil, nil, start, invalid("", "record longer than %d bytes", c.lr.max), nil
	}
	raw = bytes.Clone(c.buf)
	if !utf8.Valid(raw) {
		return nil, raw, start, invalid("", "not UTF-8 text (from Excel, save as \"CSV UTF-8\")"), nil
	}
	fields, ferr := splitCSVRecord(c.buf)
	if ferr != nil {
		return nil, raw, start, ferr, nil
	}
	return fields, raw, start, nil, nil
}

// splitCSVRecord splits one RFC 4180 record: fields separated by commas; a
// field in double quotes may contain commas, line breaks and "" for a quote.
func splitCSVRecord(rec []byte) ([]string, *settlement.Error) {
	var fields []string
	i := 0
	for {
		if i < len(rec) && rec[i] == '"' {
			var b strings.Builder
			i++
			for {
				j := bytes.IndexByte(rec[i:], '"')
				if j < 0 {
					return nil, invalid("", "column %d: quoted field not closed", len(fields)+1)
				}
				b.Write(rec[i : i+j])
				i += j + 1
				if i < len(rec) && rec[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			fields = append(fields, b.String())
			if i == len(rec) {
				return fields, nil
			}
			if rec[i] != ',' {
				return nil, invalid("", "column %d: unexpected %q after a closing quote", len(fields), rec[i])
			}
			i++
			continue
		}
		j := bytes.IndexByte(rec[i:], ',')
		var f []byte
		if j < 0 {
			f = rec[i:]
		} else {
			f = rec[i : i+j]
		}
		if bytes.IndexByte(f, '"') >= 0 {
			return nil, invalid("", "column %d: a quote in an unquoted field (quote the whole field and double the quote)", len(fields)+1)
		}
		fields = append(fields, string(f))
		if j < 0 {
			return fields, nil
		}
		i += j + 1
	}
}
