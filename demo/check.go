package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Checker replays records against a marketplace with the settlement
// engine: an order is settled with its partner's contract and the
// marketplace's policies (settlement.NewBook), and a cancellation is
// applied to the book of its order (Book.Cancel), in the order the records
// come. It is how the tests prove that every record of OrdersFile is valid
// and every record of BadFile is not; it is not settle's import path.
type Checker struct {
	loc      *time.Location
	partners map[string]string // partner id → default contract id
	terms    map[string]settlement.Terms
	books    map[string]*settlement.Book // partner/payment
	cancels  map[string]bool             // partner/cancellation
	counts   Counts
}

// Counts describes the records a Checker accepted and rejected.
type Counts struct {
	Orders       int // order records
	LineOrders   int // of which with orderLines
	AmountOrders int // of which with orderAmount
	External     int // of which with externalPaymentDetail
	Cancels      int // cancellation records
	Partial      int // of which by orderLines or orderAmount
	Full         int // of which with orderDetail.all
	Rejected     int // records refused
}

// NewChecker reads a marketplace (a emulator.SeedData document) and
// returns a Checker with no orders yet. loc is the business time zone.
func NewChecker(marketplace []byte, loc *time.Location) (*Checker, error) {
	var d emulator.SeedData
	dec := json.NewDecoder(bytes.NewReader(marketplace))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("marketplace: %w", err)
	}
	return newChecker(d, loc)
}

func newChecker(d emulator.SeedData, loc *time.Location) (*Checker, error) {
	c := &Checker{
		loc: loc, partners: map[string]string{}, terms: map[string]settlement.Terms{},
		books: map[string]*settlement.Book{}, cancels: map[string]bool{},
	}
	var setting struct {
		AdjustSettlementDateAfterHolidayIfEarlier bool `json:"adjustSettlementDateAfterHolidayIfEarlier"`
	}
	if len(d.Setting) > 0 {
		if err := json.Unmarshal(d.Setting, &setting); err != nil {
			return nil, fmt.Errorf("marketplace: setting: %w", err)
		}
	}
	dsps := map[string]settlement.DiscountSharePolicy{}
	for i, in := range d.DiscountSharePolicies {
		p, err := transfer.DiscountSharePolicyFromInput(in)
		if err != nil {
			return nil, fmt.Errorf("marketplace: discountSharePolicies[%d]: %w", i, err)
		}
		dsps[p.ID] = p
	}
	afps := map[string]settlement.AdditionalFeePolicy{}
	for i, in := range d.AdditionalFeePolicies {
		p, err := transfer.AdditionalFeePolicyFromInput(in)
		if err != nil {
			return nil, fmt.Errorf("marketplace: additionalFeePolicies[%d]: %w", i, err)
		}
		afps[p.ID] = p
	}
	for i, in := range d.Contracts {
		k, err := transfer.ContractFromInput(in)
		if err != nil {
			return nil, fmt.Errorf("marketplace: contracts[%d]: %w", i, err)
		}
		c.terms[k.ID] = settlement.Terms{
			Contract: k, DiscountSharePolicies: dsps, AdditionalFeePolicies: afps,
			Rounding: settlement.DefaultRounding, Calendar: settlement.KoreanCalendar(),
			AdjustEarlierToNextDay: setting.AdjustSettlementDateAfterHolidayIfEarlier,
		}
	}
	for i, raw := range d.Partners {
		var p transfer.CreatePartnerBody
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("marketplace: partners[%d]: %w", i, err)
		}
		if _, ok := c.terms[p.DefaultContractID]; !ok {
			return nil, fmt.Errorf("marketplace: partners[%d]: unknown defaultContractId %q", i, p.DefaultContractID)
		}
		c.partners[p.ID] = p.DefaultContractID
	}
	return c, nil
}

// Counts returns what the Checker has seen so far.
func (c *Checker) Counts() Counts { return c.counts }

// Check decodes one JSON Lines record and applies it. A rejected record
// leaves the Checker as it was and counts as Rejected.
func (c *Checker) Check(line []byte) error {
	err := c.check(line)
	if err != nil {
		c.counts.Rejected++
	}
	return err
}

// CheckAll checks every non-blank line of a JSON Lines file and returns one
// entry per line, nil for an accepted record (blank lines are nil too).
func (c *Checker) CheckAll(jsonl []byte) []error {
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(jsonl))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			errs = append(errs, nil)
			continue
		}
		errs = append(errs, c.Check(line))
	}
	return errs
}

func (c *Checker) check(line []byte) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(line, &probe); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if raw, ok := probe["cancellationId"]; ok && string(raw) != "null" {
		return c.checkCancel(line, probe)
	}
	return c.checkOrder(line, probe)
}

func instant(probe map[string]json.RawMessage, name string) (time.Time, error) {
	var s string
	if err := json.Unmarshal(probe[name], &s); err != nil || s == "" {
		return time.Time{}, fmt.Errorf("%s: required RFC 3339 string", name)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: want RFC 3339, got %q", name, s)
	}
	return t, nil
}

func (c *Checker) checkOrder(line []byte, probe map[string]json.RawMessage) error {
	var b transfer.CreateOrderTransferBody
	if err := json.Unmarshal(line, &b); err != nil {
		return err
	}
	paidAt, err := instant(probe, "paidAt")
	if err != nil {
		return err
	}
	o, err := b.Order(paidAt, c.loc)
	if err != nil {
		return err
	}
	contract, ok := c.partners[b.PartnerID]
	if !ok {
		return fmt.Errorf("partnerId: unknown partner %q", b.PartnerID)
	}
	if b.ContractID != "" {
		contract = b.ContractID
	}
	terms, ok := c.terms[contract]
	if !ok {
		return fmt.Errorf("contractId: unknown contract %q", contract)
	}
	key := b.PartnerID + "/" + b.PaymentID
	if c.books[key] != nil {
		return fmt.Errorf("paymentId: order %s registered twice", key)
	}
	book, err := settlement.NewBook(o, terms)
	if err != nil {
		return err
	}
	c.books[key] = book
	c.counts.Orders++
	switch {
	case b.OrderDetail.OrderLines != nil:
		c.counts.LineOrders++
	default:
		c.counts.AmountOrders++
	}
	if b.ExternalPaymentDetail != nil {
		c.counts.External++
	}
	return nil
}

func (c *Checker) checkCancel(line []byte, probe map[string]json.RawMessage) error {
	var b transfer.CreateOrderCancelTransferBody
	if err := json.Unmarshal(line, &b); err != nil {
		return err
	}
	at, err := instant(probe, "cancelledAt")
	if err != nil {
		return err
	}
	cn, err := b.Cancellation(at, c.loc)
	if err != nil {
		return err
	}
	key := b.PartnerID + "/" + b.PaymentID
	book := c.books[key]
	if book == nil {
		return fmt.Errorf("paymentId: no order %s", key)
	}
	ckey := b.PartnerID + "/" + b.CancellationID
	if c.cancels[ckey] {
		return fmt.Errorf("cancellationId: %s registered twice", ckey)
	}
	if _, err := book.Cancel(cn); err != nil {
		return err
	}
	c.cancels[ckey] = true
	c.counts.Cancels++
	if cn.Form == settlement.CancelAll {
		c.counts.Full++
	} else {
		c.counts.Partial++
	}
	return nil
}

// Verify checks a complete data set: every record of orders must be
// accepted and every record of bad refused (bad is checked after orders,
// against the orders it names). It returns the counts.
func Verify(marketplace, orders, bad []byte) (Counts, error) {
	c, err := NewChecker(marketplace, Location())
	if err != nil {
		return Counts{}, err
	}
	for i, err := range c.CheckAll(orders) {
		if err != nil {
			return c.Counts(), fmt.Errorf("%s line %d: %w", OrdersFile, i+1, err)
		}
	}
	n := 0
	for i, err := range c.CheckAll(bad) {
		if err == nil && len(bytes.TrimSpace(lineAt(bad, i))) > 0 {
			return c.Counts(), fmt.Errorf("%s line %d: accepted, want rejected", BadFile, i+1)
		}
		if err != nil {
			n++
		}
	}
	if n == 0 {
		return c.Counts(), fmt.Errorf("%s: no records", BadFile)
	}
	return c.Counts(), nil
}

func lineAt(data []byte, i int) []byte {
	lines := bytes.Split(data, []byte("\n"))
	if i < len(lines) {
		return lines[i]
	}
	return nil
}
