package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/settle-dev/settle/settlement"
)

// The detail of an order or a cancellation (its lines, discounts and
// additional fees) is kept in one column of its row (migration 7), in a
// compact binary form the store alone reads: a record is one row, written
// in one multi-row INSERT and read back without a join, where five child
// tables took about six rows per order. The record's JSON (request_json)
// stays the record as received; detail is the decoded form the settlement
// engine needs, so that nothing decodes JSON to settle.
//
// Layout: a format byte, then varints (zigzag for signed values) and
// length-prefixed strings, in the order of the settlement types' fields.
// A format byte other than detailV1 is refused: a newer settle wrote it.

const detailV1 = 1

var errDetail = errors.New("corrupt detail column")

type detailWriter struct{ b []byte }

func (w *detailWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *detailWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *detailWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *detailWriter) discounts(ds []settlement.Discount) {
	w.uint(uint64(len(ds)))
	for _, d := range ds {
		w.str(d.SharePolicyID)
		w.int(int64(d.Amount))
		w.int(int64(d.TaxFree))
	}
}

func (w *detailWriter) strs(ss []string) {
	w.uint(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

type detailReader struct {
	b   []byte
	err error
}

func (r *detailReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errDetail
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *detailReader) int() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errDetail
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a slice length, bounded by what is left (every element takes
// at least one byte), so a corrupt length cannot allocate without bound.
func (r *detailReader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.err = errDetail
		return 0
	}
	return int(n)
}

func (r *detailReader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *detailReader) discounts() []settlement.Discount {
	n := r.count()
	if n == 0 {
		return nil
	}
	ds := make([]settlement.Discount, n)
	for i := range ds {
		ds[i] = settlement.Discount{SharePolicyID: r.str(), Amount: settlement.Won(r.int()), TaxFree: settlement.Won(r.int())}
	}
	return ds
}

func (r *detailReader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.str()
	}
	return ss
}

func (r *detailReader) start(b []byte) {
	r.b = b
	if len(b) == 0 || b[0] != detailV1 {
		r.err = fmt.Errorf("%w: format %v, want %d (written by a newer settle?)", errDetail, b[:min(len(b), 1)], detailV1)
		return
	}
	r.b = b[1:]
}

func (r *detailReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d bytes left over", errDetail, len(r.b))
	}
	return r.err
}

// appendOrderDetail appends the detail of o (lines, order-level discounts
// and fees) to dst.
func appendOrderDetail(dst []byte, o *settlement.Order) []byte {
	w := detailWriter{b: append(dst, detailV1)}
	w.uint(uint64(len(o.Lines)))
	for i := range o.Lines {
		l := &o.Lines[i]
		w.str(l.Product.ID)
		w.str(l.Product.Name)
		w.int(int64(l.Product.Amount))
		w.int(int64(l.Product.TaxFree))
		w.str(l.Product.Tag)
		w.int(l.Quantity)
		w.discounts(l.Discounts)
		w.strs(l.AdditionalFees)
	}
	w.discounts(o.Discounts)
	w.strs(o.AdditionalFees)
	return w.b
}

// readOrderDetail sets o's lines, discounts and fees from a detail column.
func readOrderDetail(b []byte, o *settlement.Order) error {
	var r detailReader
	r.start(b)
	if n := r.count(); n > 0 {
		o.Lines = make([]settlement.Line, n)
		for i := range o.Lines {
			l := &o.Lines[i]
			l.Product = settlement.Product{ID: r.str(), Name: r.str(), Amount: settlement.Won(r.int()), TaxFree: settlement.Won(r.int()), Tag: r.str()}
			l.Quantity = r.int()
			l.Discounts = r.discounts()
			l.AdditionalFees = r.strs()
		}
	}
	o.Discounts = r.discounts()
	o.AdditionalFees = r.strs()
	return r.end()
}

// appendCancelDetail appends the detail of c (lines and order-level
// discounts) to dst.
func appendCancelDetail(dst []byte, c *settlement.Cancellation) []byte {
	w := detailWriter{b: append(dst, detailV1)}
	w.uint(uint64(len(c.Lines)))
	for i := range c.Lines {
		l := &c.Lines[i]
		w.str(l.ProductID)
		w.int(l.Quantity)
		w.discounts(l.Discounts)
	}
	w.discounts(c.Discounts)
	return w.b
}

// readCancelDetail sets c's lines and discounts from a detail column.
func readCancelDetail(b []byte, c *settlement.Cancellation) error {
	var r detailReader
	r.start(b)
	if n := r.count(); n > 0 {
		c.Lines = make([]settlement.CancelLine, n)
		for i := range c.Lines {
			c.Lines[i] = settlement.CancelLine{ProductID: r.str(), Quantity: r.int(), Discounts: r.discounts()}
		}
	}
	c.Discounts = r.discounts()
	return r.end()
}
