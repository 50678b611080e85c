package intake

import (
	"bytes"
	"io"
	"strconv"
	"strings"
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
	"id": true, "orderdetail": true, "discounts": true, "additionalfees": true,
	"externalpaymentdetail": true, "externalcancellationdetail": true, "isfortest": true,
	"parameters": true, "userdefinedproperties": true, "transferid": true,
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
		if reservedJSON[strings.ToLower(name)] {
			return nil, invalid(name, "not a CSV column; use JSON Lines for this field")
		}
		h.extras[i] = name
		h.index[name] = i
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
