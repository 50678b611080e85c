package emulator

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// A stored transfer keeps what it was created from in one compact string
// (varints and length-prefixed strings) instead of Go structs: an order of
// three lines is ~200 bytes here and ~1 KB as a settlement.Order, and the
// emulator holds a million of them. Amounts are not stored: they are
// recomputed from the order and the terms snapshot on every read, which is
// deterministic and costs a few microseconds.

// orderBody is what an ORDER transfer was created with, beyond its ids.
type orderBody struct {
	order   settlement.Order // PartnerID, PaymentID and ContractID are filled by the caller
	payment paymentBody
	extras  extras
}

// paymentBody is the payment of an ORDER transfer: PORT_ONE (synthesized,
// paid at paidAt) or EXTERNAL (as the body described it).
type paymentBody struct {
	external   bool
	paidAt     int64 // PORT_ONE: unix nanoseconds
	orderName  string
	currency   transfer.Currency
	paidAtText string // EXTERNAL: as sent
	method     transfer.PaymentMethod
}

// extras are the request's own fields that every kind of transfer echoes.
type extras struct {
	memo   string
	udp    []transfer.UserDefinedProperty
	params json.RawMessage
}

// manualBody is what a MANUAL transfer was created with.
type manualBody struct {
	amount, taxFree int64
	date            settlement.Date
	currency        transfer.Currency
	extras          extras
}

// cancelBody is what an ORDER_CANCEL transfer was created with, and its
// amounts: they depend on the cancels accepted before it, so they are kept
// rather than recomputed.
type cancelBody struct {
	cancellation settlement.Cancellation // replayed to rebuild the order's book
	computed     settlement.Transfer
	cancelledAt  string
	extras       extras
}

type enc []byte

func (e *enc) uint(v uint64) { *e = binary.AppendUvarint(*e, v) }
func (e *enc) int(v int64)   { *e = binary.AppendVarint(*e, v) }
func (e *enc) str(s string) {
	e.uint(uint64(len(s)))
	*e = append(*e, s...)
}
func (e *enc) bool(b bool) {
	if b {
		*e = append(*e, 1)
	} else {
		*e = append(*e, 0)
	}
}
func (e *enc) date(d settlement.Date) { e.int(int64(packDate(d))) }

func (e *enc) discounts(ds []settlement.Discount) {
	e.uint(uint64(len(ds)))
	for _, d := range ds {
		e.str(d.SharePolicyID)
		e.int(int64(d.Amount))
		e.int(int64(d.TaxFree))
	}
}

func (e *enc) strs(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *enc) amounts(a *settlement.Amounts) {
	for _, f := range settlement.AmountFields {
		e.int(int64(*f.Get(a)))
	}
}

func (e *enc) transfer(t *settlement.Transfer) {
	e.str(string(t.Kind))
	e.str(string(t.PartnerID))
	e.str(string(t.PaymentID))
	e.str(t.ContractID)
	e.str(string(t.CancellationID))
	e.date(t.SettlementStartDate)
	e.date(t.SettlementDate)
	e.amounts(&t.Amounts)
	e.uint(uint64(len(t.Lines)))
	for i := range t.Lines {
		l := &t.Lines[i]
		e.product(l.Product)
		e.int(l.Quantity)
		e.discountResults(l.Discounts)
		e.feeResults(l.AdditionalFees)
		e.amounts(&l.Amounts)
		e.user(l.UserDefined)
	}
	e.discountResults(t.Discounts)
	e.feeResults(t.AdditionalFees)
	e.user(t.UserDefined)
}

// user encodes the results of user-defined formulas, keys sorted (a
// cancel's are stored, not recomputed, like its amounts).
func (e *enc) user(m map[string]settlement.Won) {
	e.uint(uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.str(k)
		e.int(int64(m[k]))
	}
}

func (e *enc) product(p settlement.Product) {
	e.str(p.ID)
	e.str(p.Name)
	e.int(int64(p.Amount))
	e.int(int64(p.TaxFree))
	e.str(p.Tag)
}

func (e *enc) discountResults(ds []settlement.DiscountResult) {
	e.uint(uint64(len(ds)))
	for _, d := range ds {
		e.str(d.SharePolicyID)
		e.int(int64(d.Amount))
		e.int(int64(d.TaxFree))
		e.int(int64(d.ShareAmount))
		e.int(int64(d.ShareTaxFree))
	}
}

func (e *enc) feeResults(fs []settlement.FeeResult) {
	e.uint(uint64(len(fs)))
	for _, f := range fs {
		e.str(f.PolicyID)
		e.int(int64(f.Amount))
		e.int(int64(f.VAT))
	}
}

func (e *enc) optWon(w *settlement.Won) {
	e.bool(w != nil)
	if w != nil {
		e.int(int64(*w))
	}
}

func (e *enc) cancellation(c *settlement.Cancellation) {
	e.str(string(c.CancellationID))
	e.int(int64(c.Form))
	e.int(int64(c.OrderAmount))
	e.uint(uint64(len(c.Lines)))
	for _, l := range c.Lines {
		e.str(l.ProductID)
		e.int(l.Quantity)
		e.discounts(l.Discounts)
	}
	e.optWon(c.TaxFree)
	e.discounts(c.Discounts)
	e.date(c.SettlementStartDate)
	e.date(c.SettlementDate)
}

func (e *enc) extras(x extras) {
	e.str(x.memo)
	e.uint(uint64(len(x.udp)))
	for _, p := range x.udp {
		e.str(p.Key)
		e.str(string(p.Value))
	}
	e.str(string(x.params))
}

// errCorrupt means a stored body does not decode: a bug in this file.
var errCorrupt = errors.New("stored transfer body is corrupt")

type dec struct {
	b   string
	err error
}

func (d *dec) uint() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	for i := 0; i < len(d.b) && i < binary.MaxVarintLen64; i++ {
		c := d.b[i]
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			d.b = d.b[i+1:]
			return v
		}
	}
	d.err = errCorrupt
	return 0
}

func (d *dec) int() int64 {
	u := d.uint()
	return int64(u>>1) ^ -int64(u&1) // zig-zag, as binary.AppendVarint writes it
}

func (d *dec) str() string {
	n := d.uint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *dec) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 {
		d.err = errCorrupt
		return false
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v != 0
}

func (d *dec) date() settlement.Date { return unpackDate(int32(d.int())) }

// count reads a slice length, refusing lengths the remaining bytes cannot hold.
func (d *dec) count() int {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

func (d *dec) discounts() []settlement.Discount {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]settlement.Discount, n)
	for i := range out {
		out[i] = settlement.Discount{SharePolicyID: d.str(), Amount: settlement.Won(d.int()), TaxFree: settlement.Won(d.int())}
	}
	return out
}

func (d *dec) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *dec) amounts(a *settlement.Amounts) {
	for _, f := range settlement.AmountFields {
		*f.Get(a) = settlement.Won(d.int())
	}
}

func (d *dec) transfer() settlement.Transfer {
	t := settlement.Transfer{
		Kind: settlement.Kind(d.str()), PartnerID: settlement.PartnerID(d.str()), PaymentID: settlement.PaymentID(d.str()),
		ContractID: d.str(), CancellationID: settlement.CancellationID(d.str()),
		SettlementStartDate: d.date(), SettlementDate: d.date(),
	}
	d.amounts(&t.Amounts)
	if n := d.count(); n > 0 {
		t.Lines = make([]settlement.LineResult, n)
		for i := range t.Lines {
			l := &t.Lines[i]
			l.Product = d.product()
			l.Quantity = d.int()
			l.Discounts = d.discountResults()
			l.AdditionalFees = d.feeResults()
			d.amounts(&l.Amounts)
			l.UserDefined = d.user()
		}
	}
	t.Discounts = d.discountResults()
	t.AdditionalFees = d.feeResults()
	t.UserDefined = d.user()
	return t
}

func (d *dec) user() map[string]settlement.Won {
	n := d.count()
	if n == 0 {
		return nil
	}
	m := make(map[string]settlement.Won, n)
	for range n {
		k := d.str()
		m[k] = settlement.Won(d.int())
	}
	return m
}

func (d *dec) product() settlement.Product {
	return settlement.Product{ID: d.str(), Name: d.str(), Amount: settlement.Won(d.int()), TaxFree: settlement.Won(d.int()), Tag: d.str()}
}

func (d *dec) discountResults() []settlement.DiscountResult {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]settlement.DiscountResult, n)
	for i := range out {
		out[i] = settlement.DiscountResult{SharePolicyID: d.str(), Amount: settlement.Won(d.int()), TaxFree: settlement.Won(d.int()),
			ShareAmount: settlement.Won(d.int()), ShareTaxFree: settlement.Won(d.int())}
	}
	return out
}

func (d *dec) feeResults() []settlement.FeeResult {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]settlement.FeeResult, n)
	for i := range out {
		out[i] = settlement.FeeResult{PolicyID: d.str(), Amount: settlement.Won(d.int()), VAT: settlement.Won(d.int())}
	}
	return out
}

func (d *dec) optWon() *settlement.Won {
	if !d.bool() {
		return nil
	}
	w := settlement.Won(d.int())
	return &w
}

func (d *dec) cancellation() settlement.Cancellation {
	c := settlement.Cancellation{CancellationID: settlement.CancellationID(d.str()), Form: settlement.CancelForm(d.int()), OrderAmount: settlement.Won(d.int())}
	if n := d.count(); n > 0 {
		c.Lines = make([]settlement.CancelLine, n)
		for i := range c.Lines {
			c.Lines[i] = settlement.CancelLine{ProductID: d.str(), Quantity: d.int(), Discounts: d.discounts()}
		}
	}
	c.TaxFree = d.optWon()
	c.Discounts = d.discounts()
	c.SettlementStartDate = d.date()
	c.SettlementDate = d.date()
	return c
}

func (d *dec) extras() extras {
	var x extras
	x.memo = d.str()
	if n := d.count(); n > 0 {
		x.udp = make([]transfer.UserDefinedProperty, n)
		for i := range x.udp {
			x.udp[i].Key = d.str()
			if v := d.str(); v != "" {
				x.udp[i].Value = json.RawMessage(v)
			}
		}
	}
	if p := d.str(); p != "" {
		x.params = json.RawMessage(p)
	}
	return x
}

func (d *dec) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return d.err
}

// encodeOrder packs an order body. The order's ids are not stored: the
// transfer record holds them.
func encodeOrder(b orderBody) string {
	o := &b.order
	e := make(enc, 0, 64+48*len(o.Lines))
	e.bool(o.HasLines)
	e.int(int64(o.OrderAmount))
	e.uint(uint64(len(o.Lines)))
	for _, l := range o.Lines {
		e.product(l.Product)
		e.int(l.Quantity)
		e.discounts(l.Discounts)
		e.strs(l.AdditionalFees)
	}
	e.optWon(o.TaxFree)
	e.discounts(o.Discounts)
	e.strs(o.AdditionalFees)
	e.date(o.SettlementStartDate)
	e.date(o.SettlementDate)

	p := &b.payment
	e.bool(p.external)
	if p.external {
		e.str(p.orderName)
		e.str(string(p.currency))
		e.str(p.paidAtText)
		e.str(p.method.Type)
		e.str(p.method.Provider)
		e.str(p.method.MethodType)
	} else {
		e.int(p.paidAt)
	}
	e.extras(b.extras)
	return string(e)
}

func decodeOrder(s string) (orderBody, error) {
	d := dec{b: s}
	var b orderBody
	o := &b.order
	o.HasLines = d.bool()
	o.OrderAmount = settlement.Won(d.int())
	if n := d.count(); n > 0 {
		o.Lines = make([]settlement.Line, n)
		for i := range o.Lines {
			l := &o.Lines[i]
			l.Product = d.product()
			l.Quantity = d.int()
			l.Discounts = d.discounts()
			l.AdditionalFees = d.strs()
		}
	}
	o.TaxFree = d.optWon()
	o.Discounts = d.discounts()
	o.AdditionalFees = d.strs()
	o.SettlementStartDate = d.date()
	o.SettlementDate = d.date()

	p := &b.payment
	p.external = d.bool()
	if p.external {
		p.orderName = d.str()
		p.currency = transfer.Currency(d.str())
		p.paidAtText = d.str()
		p.method = transfer.PaymentMethod{Type: d.str(), Provider: d.str(), MethodType: d.str()}
	} else {
		p.paidAt = d.int()
	}
	b.extras = d.extras()
	return b, d.done()
}

func encodeManual(m manualBody) string {
	e := make(enc, 0, 32)
	e.int(m.amount)
	e.int(m.taxFree)
	e.date(m.date)
	e.str(string(m.currency))
	e.extras(m.extras)
	return string(e)
}

func decodeManual(s string) (manualBody, error) {
	d := dec{b: s}
	m := manualBody{amount: d.int(), taxFree: d.int(), date: d.date(), currency: transfer.Currency(d.str())}
	m.extras = d.extras()
	return m, d.done()
}

func encodeCancel(c cancelBody) string {
	e := make(enc, 0, 256)
	e.cancellation(&c.cancellation)
	e.transfer(&c.computed)
	e.str(c.cancelledAt)
	e.extras(c.extras)
	return string(e)
}

func decodeCancel(s string) (cancelBody, error) {
	d := dec{b: s}
	c := cancelBody{cancellation: d.cancellation(), computed: d.transfer(), cancelledAt: d.str()}
	c.extras = d.extras()
	return c, d.done()
}

// wire is the payment in PortOne's shape; storeID is the emulator's.
func (p *paymentBody) wire(paymentID, storeID string) transfer.Payment {
	if p.external {
		w := transfer.Payment{Type: "EXTERNAL", ID: paymentID, OrderName: p.orderName, Currency: p.currency, PaidAt: p.paidAtText}
		if p.method.Type != "" {
			m := p.method
			w.Method = &m
		}
		return w
	}
	return transfer.Payment{
		Type: "PORT_ONE", ID: paymentID, StoreID: storeID, ChannelKey: "channel-key-emulator",
		OrderName: "order " + paymentID, Method: &transfer.PaymentMethod{Type: "CARD"},
		Currency: "KRW", PaidAt: time.Unix(0, p.paidAt).UTC().Format(time.RFC3339Nano),
	}
}

// packDate is d as yyyymmdd, 0 for the zero Date: ordered as dates are.
func packDate(d settlement.Date) int32 {
	if d.IsZero() {
		return 0
	}
	return int32(d.Year*10000 + int(d.Month)*100 + d.Day)
}

func unpackDate(v int32) settlement.Date {
	if v == 0 {
		return settlement.Date{}
	}
	return settlement.Date{Year: int(v / 10000), Month: time.Month(v / 100 % 100), Day: int(v % 100)}
}
