package settlement

import "slices"

// The reasons the reconciliation of partner settlements and payouts
// reports. They are apart from a transfer's reasons: a payout that failed
// is money that did not reach a partner, not a difference in a transfer.
const (
	// SettlementAmountDiffers: one amount field of the partner settlements
	// of a key, added up, differs from ours.
	SettlementAmountDiffers MismatchReason = "PARTNER_SETTLEMENT_AMOUNT_DIFFERS"
	// SettlementMissing: we expect a partner settlement of a key PortOne
	// has none of.
	SettlementMissing MismatchReason = "PARTNER_SETTLEMENT_MISSING"
	// SettlementUnknown: PortOne has a partner settlement of a key we
	// expect none of.
	SettlementUnknown MismatchReason = "PARTNER_SETTLEMENT_UNKNOWN"
	// PayoutAmountDiffers: one amount field of a payout differs from the
	// payout we compute for the settlements it pays.
	PayoutAmountDiffers MismatchReason = "PAYOUT_AMOUNT_DIFFERS"
	// PayoutMissing: a partner settlement PortOne says is in a payout
	// (scheduled, in payout, paid out, failed) is in none we were given;
	// or a partner's settlements of a settlement date that has passed net
	// to a positive payout, and PortOne has no payout of them (nobody
	// scheduled it: the partner was not paid).
	PayoutMissing MismatchReason = "PAYOUT_MISSING"
	// PayoutUnknown: a payout pays no partner settlement we know of.
	PayoutUnknown MismatchReason = "PAYOUT_UNKNOWN"
	// PayoutFailedReason: a payout failed, stopped or was cancelled (its
	// settlements are PAYOUT_FAILED): the partner was not paid.
	PayoutFailedReason MismatchReason = "PAYOUT_FAILED"
	// SettlementWithheld: a partner settlement is withheld (지급 보류).
	SettlementWithheld MismatchReason = "PAYOUT_WITHHELD"
	// SettlementExcluded: a partner settlement is excluded from payouts
	// (지급 제외).
	SettlementExcluded MismatchReason = "PAYOUT_EXCLUDED"
	// PayoutNegative: a partner's settlements of a date net below zero
	// (cancels of orders paid out earlier): PortOne pays no negative payout
	// and shows the total in red in its console; the partner owes the
	// amount until it is recovered or netted against a later payout. It
	// is not a difference between PortOne and us, but money finance must
	// act on, so it is never clamped to zero.
	PayoutNegative MismatchReason = "PAYOUT_NEGATIVE"
	// PayoutTermsUnknown: a payout cannot be computed: an unknown partner
	// type, taxation type or settlement amount type, or a partner we do
	// not know.
	PayoutTermsUnknown MismatchReason = "PAYOUT_TERMS_UNKNOWN"
)

// NeedsAttention reports whether r is money stopped short of a partner
// (failed, withheld or excluded) or owed back by one (a negative net)
// rather than a difference in numbers: operations counts these apart
// (`settle status`, /metrics).
func (r MismatchReason) NeedsAttention() bool {
	return r == PayoutFailedReason || r == SettlementWithheld || r == SettlementExcluded || r == PayoutNegative
}

// SettlementCheck is the reconciliation of one settlement key: our
// settlement of the key (nil when we expect none), PortOne's settlements
// of it (indexes into theirs; none when PortOne has none) and their sum,
// and the differences.
type SettlementCheck struct {
	Key        SettlementKey
	Ours       *PartnerSettlement
	Theirs     []int
	Sum        Amounts
	Mismatches []Mismatch
}

// CompareSettlements reconciles our partner settlements (one per key, as
// a SettlementBook without statuses makes them) with PortOne's, which may
// hold several settlements of one key (§12: never assume the key is
// unique): PortOne's settlements of a key are added up and compared with
// ours field by field, with zero tolerance. A key on one side only is
// SettlementMissing or SettlementUnknown; its settlement amount is the
// mismatch's value. Checks come ordered by key.
func CompareSettlements(ours, theirs []PartnerSettlement) []SettlementCheck {
	byKey := map[SettlementKey]*SettlementCheck{}
	var keys []SettlementKey
	get := func(k SettlementKey) *SettlementCheck {
		c := byKey[k]
		if c == nil {
			c = &SettlementCheck{Key: k}
			byKey[k] = c
			keys = append(keys, k)
		}
		return c
	}
	for i := range ours {
		get(ours[i].Key).Ours = &ours[i]
	}
	overflow := map[SettlementKey]bool{}
	for i := range theirs {
		c := get(theirs[i].Key)
		c.Theirs = append(c.Theirs, i)
		if s, ok := c.Sum.add(theirs[i].Amounts); ok {
			c.Sum = s
		} else {
			overflow[c.Key] = true
		}
	}
	slices.SortFunc(keys, SettlementKey.Compare)
	out := make([]SettlementCheck, 0, len(keys))
	for _, k := range keys {
		c := byKey[k]
		switch {
		case c.Ours == nil:
			c.Mismatches = []Mismatch{{Reason: SettlementUnknown, Field: "partnerSettlement", PortOne: c.Sum.Settlement, Diff: c.Sum.Settlement}}
		case len(c.Theirs) == 0:
			v := c.Ours.Amounts.Settlement
			c.Mismatches = []Mismatch{{Reason: SettlementMissing, Field: "partnerSettlement", Local: v, Diff: -v}}
		case overflow[k]:
			c.Mismatches = []Mismatch{{Reason: SettlementAmountDiffers, Field: "settlement", Local: c.Ours.Amounts.Settlement,
				Detail: "PortOne's settlements of the key add up beyond the range of a won amount"}}
		default:
			for _, m := range compareBlock(nil, "", &c.Ours.Amounts, &c.Sum) {
				m.Reason = SettlementAmountDiffers
				c.Mismatches = append(c.Mismatches, m)
			}
		}
		out = append(out, *c)
	}
	return out
}

// ComparePayout compares our payout amounts with PortOne's field by field
// (PayoutFields), with zero tolerance; each difference is
// PayoutAmountDiffers with PortOne's field name.
func ComparePayout(ours, theirs *PayoutAmounts) []Mismatch {
	var ms []Mismatch
	for _, f := range PayoutFields {
		o, t := *f.Get(ours), *f.Get(theirs)
		if o == t {
			continue
		}
		m := Mismatch{Reason: PayoutAmountDiffers, Field: f.Name, Local: o, PortOne: t}
		c := checked{ok: true}
		if m.Diff = c.sub(t, o); !c.ok {
			m.Diff, m.Detail = 0, "the difference is beyond the range of a won amount"
		}
		ms = append(ms, m)
	}
	return ms
}
