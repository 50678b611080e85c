package intake

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Rules are what every record is checked against, whatever carries it: the
// HTTP API, a JSON Lines or CSV file, a webhook-linked cancellation, or
// `settle preview`. There is one validator; the entries differ only in how
// they carry a record (and preview in the few rules marked below).
type Rules struct {
	// Location is the business time zone (SETTLE_TZ): the business date of
	// paidAt / cancelledAt, and the default settlementStartDate. Required.
	Location *time.Location
	// TestMode is PORTONE_TEST_MODE. A record whose isForTest says
	// otherwise is refused; the flag is never stored or posted (the test
	// query parameter of every PortOne call decides).
	TestMode bool
	// HorizonDays is SETTLE_HORIZON: a record dated more than this many
	// days before today, or in the future, is refused (see checkHorizon).
	// Zero turns the horizon off; `settle` always sets it (default
	// DefaultHorizonDays).
	HorizonDays int
	// Now is the clock the horizon is measured from (default time.Now).
	Now func() time.Time
}

// The horizon: records outside it are refused at intake with the date at
// fault, never accepted and left unsettled.
const (
	// DefaultHorizonDays is SETTLE_HORIZON's default: 90 days back.
	DefaultHorizonDays = 90
	// instantDaysAhead is how far after today the business date of paidAt
	// or cancelledAt may be: a payment is not in the future, but a clock a
	// little fast, or a record sent just after midnight, should not fail.
	instantDaysAhead = 1
	// settlementDaysAhead is how far after today settlementStartDate and
	// settlementDate may be: PortOne's cycles reach at most a year ahead.
	settlementDaysAhead = 366
)

func (r Rules) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// previewMode is set when the validator serves `settle preview`: PortOne's
// request bodies without our record fields. paidAt / cancelledAt are then
// optional; where PortOne would default a date to the time of the request,
// today (in SETTLE_TZ) is used and a note says so. The horizon and the
// isForTest check do not apply (preview computes documented examples of
// any year, and talks to no PortOne environment).
type previewMode struct {
	notes []string
}

func (p *previewMode) note(format string, args ...any) {
	p.notes = append(p.notes, fmt.Sprintf(format, args...))
}

// order validates an order record and builds its stored form.
func (r Rules) order(in *orderInput, pm *previewMode) (*OrderRecord, error) {
	if err := checkUnknown(in.Unknown, orderNames); err != nil {
		return nil, err
	}
	b := (*transfer.CreateOrderTransferBody)(&in.orderBody)
	if err := checkIDs(idField{"partnerId", b.PartnerID, true}, idField{"paymentId", b.PaymentID, true},
		idField{"contractId", b.ContractID, false}, idField{"id", b.ID, false}); err != nil {
		return nil, err
	}
	paidAt, perr := r.instant("paidAt", in.PaidAt, pm)
	if perr != nil {
		return nil, perr
	}
	if err := r.checkTestFlag(in.IsForTest, pm); err != nil {
		return nil, err
	}
	if pm != nil && paidAt.IsZero() && b.SettlementStartDate == "" && (b.ExternalPaymentDetail == nil || b.ExternalPaymentDetail.PaidAt == "") {
		paidAt = r.now()
		pm.note("order: no settlementStartDate, paidAt or externalPaymentDetail.paidAt: PortOne would start from the time of the request; using today, %s (SETTLE_TZ %s)",
			settlement.DateOf(paidAt, r.Location), r.Location)
	}
	o, err := b.Order(paidAt, r.Location)
	if err != nil {
		return nil, asFieldError(err, "")
	}
	if err := checkOrderBody(b); err != nil {
		return nil, err
	}
	if err := checkDates(o.SettlementStartDate, o.SettlementDate); err != nil {
		return nil, err
	}
	if pm == nil {
		if err := r.checkHorizon("paidAt", paidAt, o.SettlementStartDate, o.SettlementDate); err != nil {
			return nil, err
		}
	}
	if b.SettlementStartDate == "" {
		b.SettlementStartDate = o.SettlementStartDate.String()
	}
	normalizeOrderBody(b)
	rec := &OrderRecord{Body: *b, PaidAt: paidAt, Order: o}
	if pm == nil {
		f, err := recordForms(func(sorted bool, dst []byte) ([]byte, bool) { return orderForms(b, in.PaidAt, sorted, dst) }, in.Unknown,
			func() (json.RawMessage, error) {
				return storedForm(*b, map[string]string{"type": TypeOrder, "paidAt": in.PaidAt}, in.Unknown)
			})
		if err != nil {
			return nil, invalid("", "cannot encode the record: %v", err)
		}
		rec.JSON, rec.canonical = f.stored, f.canonical
	}
	return rec, nil
}

// cancel validates a cancellation record and builds its stored form.
func (r Rules) cancel(in *cancelInput, pm *previewMode) (*CancelRecord, error) {
	if err := checkUnknown(in.Unknown, cancelNames); err != nil {
		return nil, err
	}
	b := (*transfer.CreateOrderCancelTransferBody)(&in.cancelBody)
	// In preview the cancel applies to the preview's one order: partnerId
	// and paymentId may be left out, as PortOne lets a transferId stand for them.
	if err := checkIDs(idField{"cancellationId", b.CancellationID, true}, idField{"partnerId", b.PartnerID, pm == nil},
		idField{"paymentId", b.PaymentID, pm == nil}, idField{"transferId", b.TransferID, false}, idField{"id", b.ID, false}); err != nil {
		return nil, err
	}
	cancelledAt, perr := r.instant("cancelledAt", in.CancelledAt, pm)
	if perr != nil {
		return nil, perr
	}
	if err := r.checkTestFlag(in.IsForTest, pm); err != nil {
		return nil, err
	}
	if pm != nil && cancelledAt.IsZero() && b.SettlementStartDate == "" &&
		(b.ExternalCancellationDetail == nil || b.ExternalCancellationDetail.CancelledAt == "") {
		cancelledAt = r.now()
		pm.note("cancellation %s: no settlementStartDate, cancelledAt or externalCancellationDetail.cancelledAt: PortOne would start from the time of the cancellation; using today, %s (SETTLE_TZ %s)",
			b.CancellationID, settlement.DateOf(cancelledAt, r.Location), r.Location)
	}
	c, err := b.Cancellation(cancelledAt, r.Location)
	if err != nil {
		return nil, asFieldError(err, "")
	}
	if err := checkCancelBody(b); err != nil {
		return nil, err
	}
	if err := checkDates(c.SettlementStartDate, c.SettlementDate); err != nil {
		return nil, err
	}
	if pm == nil {
		if err := r.checkHorizon("cancelledAt", cancelledAt, c.SettlementStartDate, c.SettlementDate); err != nil {
			return nil, err
		}
	}
	if b.SettlementStartDate == "" {
		b.SettlementStartDate = c.SettlementStartDate.String()
	}
	normalizeCancelBody(b)
	rec := &CancelRecord{Body: *b, CancelledAt: cancelledAt, Cancellation: c}
	if pm == nil {
		f, err := recordForms(func(sorted bool, dst []byte) ([]byte, bool) { return cancelForms(b, in.CancelledAt, sorted, dst) }, in.Unknown,
			func() (json.RawMessage, error) {
				return storedForm(*b, map[string]string{"type": TypeOrderCancel, "cancelledAt": in.CancelledAt}, in.Unknown)
			})
		if err != nil {
			return nil, invalid("", "cannot encode the record: %v", err)
		}
		rec.JSON, rec.canonical = f.stored, f.canonical
	}
	return rec, nil
}

// instant reads paidAt or cancelledAt: required on a record, optional in preview.
func (r Rules) instant(name, s string, pm *previewMode) (time.Time, *settlement.Error) {
	if s == "" {
		if pm != nil {
			return time.Time{}, nil
		}
		return time.Time{}, invalid(name, "required (RFC 3339, e.g. 2025-10-01T14:30:00+09:00)")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, invalid(name, "want RFC 3339 (e.g. 2025-10-01T14:30:00+09:00), got %q", clip(s))
	}
	return t, nil
}

// checkTestFlag refuses a record whose isForTest disagrees with
// PORTONE_TEST_MODE: PortOne lets the body flag decide where the query
// parameter is absent, so a test record in live mode would land in
// PortOne's test environment while settle counts it as live money.
func (r Rules) checkTestFlag(flag *bool, pm *previewMode) *settlement.Error {
	if flag == nil || pm != nil || *flag == r.TestMode {
		return nil
	}
	mode := "live (PORTONE_TEST_MODE=false)"
	if r.TestMode {
		mode = "test (PORTONE_TEST_MODE=true)"
	}
	return invalid("isForTest", "is %t but settle runs in %s mode; leave it out (the mode decides)", *flag, mode)
}

// checkHorizon refuses a record dated outside the horizon: the business
// date of its instant (paidAt / cancelledAt) more than HorizonDays before
// today or after tomorrow, or a settlementStartDate / settlementDate more
// than HorizonDays before today or more than a year after it. Such a
// record would be accepted and never settled (or settled a year late).
func (r Rules) checkHorizon(name string, at time.Time, start, explicit settlement.Date) *settlement.Error {
	if r.HorizonDays <= 0 {
		return nil
	}
	today := settlement.DateOf(r.now(), r.Location)
	oldest := today.AddDays(-r.HorizonDays)
	outside := func(field string, d settlement.Date, ahead int) *settlement.Error {
		switch {
		case d.Before(oldest):
			return invalid(field, "%s is more than %d days before today (%s), outside SETTLE_HORIZON: settle such a record by hand, or raise SETTLE_HORIZON", d, r.HorizonDays, today)
		case d.After(today.AddDays(ahead)):
			return invalid(field, "%s is more than %d day(s) after today (%s)", d, ahead, today)
		}
		return nil
	}
	if err := outside(name, settlement.DateOf(at, r.Location), instantDaysAhead); err != nil {
		return err
	}
	if err := outside("settlementStartDate", start, settlementDaysAhead); err != nil {
		return err
	}
	if !explicit.IsZero() {
		return outside("settlementDate", explicit, settlementDaysAhead)
	}
	return nil
}

// ---- structural rules ----

// The checks below are the settlement rules that need no contract or
// policy: ids, text, signs, sizes, uniqueness, and the order of the two
// dates. The limits are settlement's (MaxAmount, MaxQuantity, MaxLines,
// MaxItems, MaxIDBytes), the one set. The settlement engine (Intake.Check)
// checks the rest.

type idField struct {
	name, value string
	required    bool
}

func checkIDs(ids ...idField) *settlement.Error {
	for _, id := range ids {
		if id.value == "" && !id.required {
			continue
		}
		if err := settlement.CheckID(id.name, id.value); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks free text (a product name, a memo): no NUL or other
// control character but tab and line breaks, which no database stores
// alike (PostgreSQL refuses NUL in text) and no report shows.
func checkText(field, v string, required bool) *settlement.Error {
	if v == "" {
		if required {
			return invalid(field, "required")
		}
		return nil
	}
	if !utf8.ValidString(v) {
		return invalid(field, "not valid UTF-8")
	}
	for i, c := range v {
		if unicode.IsControl(c) && c != '\t' && c != '\n' && c != '\r' {
			return invalid(field, "control character %U at byte %d", c, i)
		}
	}
	return nil
}

func checkTaxFree(field string, tf *int64) *settlement.Error {
	if tf == nil {
		return nil
	}
	return settlement.CheckAmount(field, settlement.Won(*tf))
}

func checkDiscounts(field string, ds []transfer.DiscountInput, unique bool) *settlement.Error {
	if len(ds) > settlement.MaxItems {
		return invalid(field, "at most %d discounts, got %d", settlement.MaxItems, len(ds))
	}
	seen := make(map[string]bool, len(ds))
	for i, d := range ds {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := settlement.CheckID(f+".sharePolicyId", d.SharePolicyID); err != nil {
			return err
		}
		if unique {
			if seen[d.SharePolicyID] {
				return &settlement.Error{Type: settlement.ErrDiscountSharePolicyIDDuplicated, Field: f + ".sharePolicyId",
					PolicyID: d.SharePolicyID, Message: fmt.Sprintf("discount share policy %q appears twice", clip(d.SharePolicyID))}
			}
			seen[d.SharePolicyID] = true
		}
		if err := settlement.CheckAmount(f+".amount", settlement.Won(d.Amount)); err != nil {
			return err
		}
		if err := checkTaxFree(f+".taxFreeAmount", d.TaxFreeAmount); err != nil {
			return err
		}
		if d.TaxFreeAmount != nil && *d.TaxFreeAmount > d.Amount {
			return &settlement.Error{Type: settlement.ErrSettlementAmountExceeded, Field: f + ".taxFreeAmount",
				ExceededType: settlement.DiscountTaxFreeThanDiscount, PolicyID: d.SharePolicyID,
				Requested: settlement.Won(*d.TaxFreeAmount), Allowed: settlement.Won(d.Amount),
				Message: fmt.Sprintf("must be <= amount %d, got %d", d.Amount, *d.TaxFreeAmount)}
		}
	}
	return nil
}

func checkFees(field string, fs []transfer.AdditionalFeeInput) *settlement.Error {
	if len(fs) > settlement.MaxItems {
		return invalid(field, "at most %d additional fees, got %d", settlement.MaxItems, len(fs))
	}
	for j, fee := range fs {
		if err := settlement.CheckID(fmt.Sprintf("%s[%d].policyId", field, j), fee.PolicyID); err != nil {
			return err
		}
	}
	return nil
}

// sumDiscounts adds discounts that checkDiscounts bounded: at most MaxItems
// of at most MaxAmount each, far inside int64.
func sumDiscounts(ds []transfer.DiscountInput) int64 {
	var s int64
	for _, d := range ds {
		s += d.Amount
	}
	return s
}

// checkOrderBody applies the structural rules to an order body that
// transfer.(*CreateOrderTransferBody).Order has accepted.
func checkOrderBody(b *transfer.CreateOrderTransferBody) *settlement.Error {
	if err := checkText("memo", b.Memo, false); err != nil {
		return err
	}
	if e := b.ExternalPaymentDetail; e != nil {
		if err := checkText("externalPaymentDetail.orderName", e.OrderName, false); err != nil {
			return err
		}
	}
	var total int64
	if a := b.OrderDetail.OrderAmount; a != nil {
		if err := settlement.CheckAmount("orderDetail.orderAmount", settlement.Won(*a)); err != nil {
			return err
		}
		total = *a
	} else {
		lines := b.OrderDetail.OrderLines
		if len(lines) == 0 {
			return invalid("orderDetail.orderLines", "must have at least one line")
		}
		if len(lines) > settlement.MaxLines {
			return invalid("orderDetail.orderLines", "at most %d lines, got %d", settlement.MaxLines, len(lines))
		}
		seen := make(map[string]bool, len(lines))
		for i := range lines {
			l := &lines[i]
			// Checked with no field names first: a valid line, most lines,
			// never builds them; a bad one is checked again with them, for
			// the same verdict naming the field.
			had := seen[l.Product.ID]
			lineTotal, err := checkOrderLine("", l, seen)
			if err != nil {
				if !had {
					delete(seen, l.Product.ID)
				}
				_, err = checkOrderLine(fmt.Sprintf("orderDetail.orderLines[%d]", i), l, seen)
				return err
			}
			total += lineTotal // each line <= MaxAmount, and the total is checked after each
			if total > int64(settlement.MaxAmount) {
				return invalid("orderDetail.orderLines", "order amount exceeds %d", int64(settlement.MaxAmount))
			}
		}
	}
	if tf := b.TaxFreeAmount; tf != nil {
		if err := checkTaxFree("taxFreeAmount", tf); err != nil {
			return err
		}
		if *tf > total {
			return invalid("taxFreeAmount", "must be <= the order amount %d, got %d", total, *tf)
		}
	}
	if err := checkDiscounts("discounts", b.Discounts, false); err != nil {
		return err
	}
	if d := sumDiscounts(b.Discounts); d > total {
		return &settlement.Error{Type: settlement.ErrSettlementAmountExceeded, Field: "discounts",
			ExceededType: settlement.DiscountThanOrder, Requested: settlement.Won(d), Allowed: settlement.Won(total),
			Message: fmt.Sprintf("discounts %d exceed the order amount %d", d, total)}
	}
	return checkFees("additionalFees", b.AdditionalFees)
}

// checkCancelBody applies the structural rules to a cancel body that
// transfer.(*CreateOrderCancelTransferBody).Cancellation has accepted.
func checkCancelBody(b *transfer.CreateOrderCancelTransferBody) *settlement.Error {
	if err := checkText("memo", b.Memo, false); err != nil {
		return err
	}
	od := b.OrderDetail // non-nil: Cancellation checked it
	if a := od.OrderAmount; a != nil {
		if err := settlement.CheckAmount("orderDetail.orderAmount", settlement.Won(*a)); err != nil {
			return err
		}
	}
	if od.OrderLines != nil {
		if len(od.OrderLines) == 0 {
			return invalid("orderDetail.orderLines", "must have at least one line")
		}
		if len(od.OrderLines) > settlement.MaxLines {
			return invalid("orderDetail.orderLines", "at most %d lines, got %d", settlement.MaxLines, len(od.OrderLines))
		}
		seen := make(map[string]bool, len(od.OrderLines))
		for i, l := range od.OrderLines {
			f := fmt.Sprintf("orderDetail.orderLines[%d]", i)
			if err := settlement.CheckID(f+".productId", l.ProductID); err != nil {
				return err
			}
			if seen[l.ProductID] {
				return &settlement.Error{Type: settlement.ErrProductIDDuplicated, Field: f + ".productId",
					ProductID: l.ProductID, Message: fmt.Sprintf("product %q appears twice", clip(l.ProductID))}
			}
			seen[l.ProductID] = true
			if err := settlement.CheckQuantity(f+".quantity", l.Quantity); err != nil {
				return err
			}
			if err := checkDiscounts(f+".discounts", l.Discounts, true); err != nil {
				return err
			}
		}
	}
	if err := checkTaxFree("taxFreeAmount", b.TaxFreeAmount); err != nil {
		return err
	}
	return checkDiscounts("discounts", b.Discounts, true)
}

func checkDates(start, explicit settlement.Date) *settlement.Error {
	if !explicit.IsZero() && explicit.Before(start) {
		return &settlement.Error{Type: settlement.ErrSettlementDateEarlierThanSettlementStartDate, Field: "settlementDate",
			StartDate: start, SettlementDate: explicit,
			Message: fmt.Sprintf("%s is before settlementStartDate %s", explicit, start)}
	}
	return nil
}

// The required arrays of PortOne's bodies may be omitted or null in a
// record; they are stored (and later sent) as [].

func normalizeOrderBody(b *transfer.CreateOrderTransferBody) {
	b.Discounts = orEmpty(b.Discounts)
	b.AdditionalFees = orEmpty(b.AdditionalFees)
	for i := range b.OrderDetail.OrderLines {
		l := &b.OrderDetail.OrderLines[i]
		l.Discounts = orEmpty(l.Discounts)
		l.AdditionalFees = orEmpty(l.AdditionalFees)
	}
}

func normalizeCancelBody(b *transfer.CreateOrderCancelTransferBody) {
	b.Discounts = orEmpty(b.Discounts)
	if b.OrderDetail != nil {
		for i := range b.OrderDetail.OrderLines {
			l := &b.OrderDetail.OrderLines[i]
			l.Discounts = orEmpty(l.Discounts)
		}
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// checkOrderLine applies the structural rules to one order line, naming
// its fields under f (orderDetail.orderLines[i]), and returns the line's
// amount. seen holds the product ids of the lines before it.
func checkOrderLine(f string, l *transfer.OrderLineInput, seen map[string]bool) (int64, *settlement.Error) {
	if err := settlement.CheckID(f+".product.id", l.Product.ID); err != nil {
		return 0, err
	}
	if seen[l.Product.ID] {
		return 0, &settlement.Error{Type: settlement.ErrProductIDDuplicated, Field: f + ".product.id",
			ProductID: l.Product.ID, Message: fmt.Sprintf("product %q appears twice", clip(l.Product.ID))}
	}
	seen[l.Product.ID] = true
	if err := checkText(f+".product.name", l.Product.Name, true); err != nil {
		return 0, err
	}
	if err := checkText(f+".product.tag", l.Product.Tag, false); err != nil {
		return 0, err
	}
	if err := settlement.CheckAmount(f+".product.amount", settlement.Won(l.Product.Amount)); err != nil {
		return 0, err
	}
	if tf := l.Product.TaxFreeAmount; tf != nil {
		if err := checkTaxFree(f+".product.taxFreeAmount", tf); err != nil {
			return 0, err
		}
		if *tf > l.Product.Amount {
			return 0, invalid(f+".product.taxFreeAmount", "must be <= product.amount %d, got %d", l.Product.Amount, *tf)
		}
	}
	if err := settlement.CheckQuantity(f+".quantity", l.Quantity); err != nil {
		return 0, err
	}
	if l.Product.Amount > 0 && l.Quantity > int64(settlement.MaxAmount)/l.Product.Amount {
		return 0, invalid(f+".quantity", "line amount %d × %d exceeds %d", l.Product.Amount, l.Quantity, int64(settlement.MaxAmount))
	}
	lineTotal := l.Product.Amount * l.Quantity
	if err := checkDiscounts(f+".discounts", l.Discounts, false); err != nil {
		return 0, err
	}
	if d := sumDiscounts(l.Discounts); d > lineTotal {
		return 0, &settlement.Error{Type: settlement.ErrSettlementAmountExceeded, Field: f + ".discounts",
			ExceededType: settlement.DiscountThanOrder, ProductID: l.Product.ID,
			Requested: settlement.Won(d), Allowed: settlement.Won(lineTotal),
			Message: fmt.Sprintf("discounts %d exceed the line amount %d", d, lineTotal)}
	}
	if err := checkFees(f+".additionalFees", l.AdditionalFees); err != nil {
		return 0, err
	}
	return lineTotal, nil
}
