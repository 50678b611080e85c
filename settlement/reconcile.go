package settlement

import (
	"fmt"
	"math"
	"slices"
)

// MismatchReason says why a transfer does not reconcile.
type MismatchReason string

// The reasons a reconciliation reports.
const (
	// AmountDiffers: one amount field of the order block or of one line
	// differs between our computation and PortOne's answer.
	AmountDiffers MismatchReason = "AMOUNT_DIFFERS"
	// DateDiffers: the settlement date (or start date) differs.
	DateDiffers MismatchReason = "SETTLEMENT_DATE_DIFFERS"
	// LineDiffers: a line exists on one side only, or its quantity differs.
	LineDiffers MismatchReason = "LINE_DIFFERS"
	// MissingAtPortOne: we meant to post a transfer and PortOne never
	// confirmed it.
	MissingAtPortOne MismatchReason = "MISSING_AT_PORTONE"
	// UnknownAtPortOne: PortOne lists a transfer for the period that we
	// never intended.
	UnknownAtPortOne MismatchReason = "UNKNOWN_AT_PORTONE"
	// StatusStuck: a transfer's status lags its dates (for example still
	// SCHEDULED after its start date).
	StatusStuck MismatchReason = "STATUS_STUCK"
	// RejectedRecord: an input record was rejected and is not settled.
	RejectedRecord MismatchReason = "REJECTED_RECORD"
)

// Mismatch is one difference between our numbers and PortOne's. Diff is
// PortOne's value minus ours.
type Mismatch struct {
	Reason    MismatchReason
	ProductID string // the order line, or "" for the order block
	Field     string // PortOne's JSON name of the field, e.g. "platformFeeVat"
	Local     Won
	PortOne   Won
	Diff      Won
	Detail    string
}

// NormalizeCancel turns an ORDER_CANCEL answer whose amounts PortOne sent
// negated into positive magnitudes, so it compares with ours
// (portone-platform.md §3.2: examples are positive, the 2023 text says
// negative; both are accepted). It reports whether it flipped the sign. A
// value with no negation (math.MinInt64, which no bounded block holds)
// leaves t as it is, to be reported as a mismatch.
func NormalizeCancel(t *Transfer) bool {
	if t.Kind != KindOrderCancel || !negated(&t.Amounts) {
		return false
	}
	c := checked{ok: true}
	neg := func(v Won) Won { return c.sub(0, v) }
	amounts, ok := Amounts{}.sub(t.Amounts)
	lines := make([]Amounts, len(t.Lines))
	for i := range t.Lines {
		var o bool
		lines[i], o = Amounts{}.sub(t.Lines[i].Amounts)
		ok = ok && o
	}
	for _, d := range t.Discounts {
		neg(d.Amount)
		neg(d.TaxFree)
		neg(d.ShareAmount)
		neg(d.ShareTaxFree)
	}
	for _, f := range t.AdditionalFees {
		neg(f.Amount)
		neg(f.VAT)
	}
	if !ok || !c.ok {
		return false
	}
	t.Amounts = amounts
	for i := range t.Lines {
		t.Lines[i].Amounts = lines[i]
	}
	for i := range t.Discounts {
		d := &t.Discounts[i]
		d.Amount, d.TaxFree, d.ShareAmount, d.ShareTaxFree = -d.Amount, -d.TaxFree, -d.ShareAmount, -d.ShareTaxFree
	}
	for i := range t.AdditionalFees {
		f := &t.AdditionalFees[i]
		f.Amount, f.VAT = -f.Amount, -f.VAT
	}
	negateUser(t.UserDefined)
	for i := range t.Lines {
		negateUser(t.Lines[i].UserDefined)
	}
	return true
}

// negateUser negates the results of user-defined formulas of a negated
// cancel; a value with no negation is left as it is, to be reported.
func negateUser(m map[string]Won) {
	for k, v := range m {
		if v != math.MinInt64 {
			m[k] = -v
		}
	}
}

// negated reports whether a block reads as a negation: no positive amount
// and at least one negative one among the amounts that are never negative
// in a cancel we compute.
func negated(a *Amounts) bool {
	neg := false
	for _, v := range []Won{a.Order, a.Payment, a.Discount, a.PlatformFee, a.AdditionalFee, a.DiscountShare} {
		if v > 0 {
			return false
		}
		if v < 0 {
			neg = true
		}
	}
	return neg
}

// Compare reconciles our transfer with PortOne's answer for it, field by
// field, for the order block and each line (matched by product id), with
// zero tolerance. theirs should have been through NormalizeCancel.
func Compare(ours, theirs *Transfer) []Mismatch {
	var ms []Mismatch
	if ours.SettlementDate != theirs.SettlementDate {
		ms = append(ms, Mismatch{Reason: DateDiffers, Field: "settlementDate",
			Detail: fmt.Sprintf("ours %s, PortOne %s", ours.SettlementDate, theirs.SettlementDate)})
	}
	if ours.SettlementStartDate != theirs.SettlementStartDate {
		ms = append(ms, Mismatch{Reason: DateDiffers, Field: "settlementStartDate",
			Detail: fmt.Sprintf("ours %s, PortOne %s", ours.SettlementStartDate, theirs.SettlementStartDate)})
	}
	ms = compareBlock(ms, "", &ours.Amounts, &theirs.Amounts)
	ms = compareUser(ms, "", ours.UserDefined, theirs.UserDefined)
	matched := make(map[string]bool, len(theirs.Lines))
	for i := range ours.Lines {
		ol := &ours.Lines[i]
		var tl *LineResult
		for j := range theirs.Lines {
			if theirs.Lines[j].Product.ID == ol.Product.ID {
				tl = &theirs.Lines[j]
			}
		}
		if tl == nil {
			ms = append(ms, Mismatch{Reason: LineDiffers, ProductID: ol.Product.ID, Field: "orderLines", Detail: "line missing at PortOne"})
			continue
		}
		matched[ol.Product.ID] = true
		if ol.Quantity != tl.Quantity {
			ms = append(ms, Mismatch{Reason: LineDiffers, ProductID: ol.Product.ID, Field: "quantity",
				Local: Won(ol.Quantity), PortOne: Won(tl.Quantity), Diff: Won(tl.Quantity - ol.Quantity)})
		}
		ms = compareBlock(ms, ol.Product.ID, &ol.Amounts, &tl.Amounts)
		ms = compareUser(ms, ol.Product.ID, ol.UserDefined, tl.UserDefined)
	}
	for j := range theirs.Lines {
		if id := theirs.Lines[j].Product.ID; !matched[id] {
			ms = append(ms, Mismatch{Reason: LineDiffers, ProductID: id, Field: "orderLines", Detail: "line at PortOne that we did not send"})
		}
	}
	return ms
}

func compareBlock(ms []Mismatch, productID string, ours, theirs *Amounts) []Mismatch {
	for _, f := range AmountFields {
		o, t := *f.Get(ours), *f.Get(theirs)
		if o != t {
			m := Mismatch{Reason: AmountDiffers, ProductID: productID, Field: f.Name, Local: o, PortOne: t}
			c := checked{ok: true}
			if m.Diff = c.sub(t, o); !c.ok {
				m.Diff, m.Detail = 0, "the difference is beyond the range of a won amount"
			}
			ms = append(ms, m)
		}
	}
	return ms
}

// compareUser compares the results of user-defined formulas (PortOne's
// amount.userDefinedFormulas) key by key; a key on one side only is
// compared with 0 and says so (the rules do not mirror the merchant's
// formulas).
func compareUser(ms []Mismatch, productID string, ours, theirs map[string]Won) []Mismatch {
	if len(ours) == 0 && len(theirs) == 0 {
		return ms
	}
	keys := make([]string, 0, len(ours)+len(theirs))
	for k := range ours {
		keys = append(keys, k)
	}
	for k := range theirs {
		if _, ok := ours[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		o, inOurs := ours[k]
		t, inTheirs := theirs[k]
		if o == t && inOurs == inTheirs {
			continue
		}
		m := Mismatch{Reason: AmountDiffers, ProductID: productID, Field: "userDefinedFormulas." + k, Local: o, PortOne: t}
		c := checked{ok: true}
		if m.Diff = c.sub(t, o); !c.ok {
			m.Diff = 0
		}
		switch {
		case !inOurs:
			m.Detail = "a formula at PortOne that the rules do not have"
		case !inTheirs:
			m.Detail = "a formula of the rules that PortOne does not report"
		}
		ms = append(ms, m)
	}
	return ms
}

// ExpectedStatus is the status a transfer should have on date today given
// its dates: SCHEDULED before the start date, IN_PROCESS until the
// settlement date, SETTLED from it.
func ExpectedStatus(start, settlementDate, today Date) TransferStatus {
	switch {
	case today.Before(start):
		return StatusScheduled
	case today.Before(settlementDate):
		return StatusInProcess
	}
	return StatusSettled
}

// IsStuck reports whether status lags what the dates say on today by more
// than grace days: a SCHEDULED transfer past its start date, or one not yet
// SETTLED past its settlement date.
func IsStuck(status TransferStatus, start, settlementDate, today Date, grace int) bool {
	if !status.Known() {
		return false
	}
	want := ExpectedStatus(start, settlementDate, today.AddDays(-grace))
	return statusRank[status] < statusRank[want]
}
