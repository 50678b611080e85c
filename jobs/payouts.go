package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// The window of the payouts job for business date d: partner settlements
// of the settlement dates d−PayoutLookback … d+PayoutHorizon, and the
// payouts created from the first of those dates on. A settlement date
// further ahead than a month's cycle plus its lag is not yet in play; a
// payout a week old has settled its status.
const (
	PayoutLookback = 7
	PayoutHorizon  = 45
)

// payoutsAPI is what the payouts job needs of PortOne beyond PortOne;
// *transfer.Client has it. It is asked for by assertion so that PortOne,
// which every command's client satisfies, stays as it is.
type payoutsAPI interface {
	PartnerSettlements(ctx context.Context, f *transfer.PartnerSettlementFilter) iter.Seq2[transfer.PartnerSettlement, error]
	Payouts(ctx context.Context, f *transfer.PayoutFilter) iter.Seq2[transfer.Payout, error]
}

// errNoPayoutsAPI: the PortOne client given cannot list partner
// settlements and payouts.
var errNoPayoutsAPI = errors.New("payouts: the PortOne client cannot list partner settlements and payouts")

// Payouts pulls PortOne's partner settlements of the settlement dates in
// play and its payouts of the range, stores every new state of each (with
// its history), and reconciles them field by field against ours: the
// partner settlements our posted transfers make (settlement.SettlementBook,
// PortOne's grouping key) and the payout each PortOne payout should be
// (settlement.PayoutsOf's netting, VAT and withholding with
// Options.PayoutRules) for the settlements it pays. The reasons: amounts
// that differ, settlements or payouts missing or unknown (a positive payout
// of a settlement date before today that PortOne never made is missing),
// money stopped short of a partner (a payout failed, a settlement withheld
// or excluded) and money a partner owes (a negative net: flagged, never
// clamped). Any of them but a negative net makes the run ErrMismatches,
// like Reconcile; all are stored and counted.
func (p *Pipeline) Payouts(ctx context.Context, d settlement.Date, _ RunOptions) (Counts, error) {
	api, ok := p.api.(payoutsAPI)
	if !ok {
		return nil, errNoPayoutsAPI
	}
	from, until := d.AddDays(-PayoutLookback), d.AddDays(PayoutHorizon)
	ours, err := p.expectedSettlements(ctx, from, until)
	if err != nil {
		return nil, err
	}
	c := Counts{}

	// PortOne's partner settlements of the window.
	var dates []string
	for x := from; !until.Before(x); x = x.AddDays(1) {
		dates = append(dates, x.String())
	}
	theirs, err := p.pullSettlements(ctx, api, &transfer.PartnerSettlementFilter{SettlementDates: dates}, c)
	if err != nil {
		return c, err
	}
	// PortOne's payouts of the window, and the settlements each pays: a
	// payout names its bulk payout, whose settlements of the payout's
	// partner and currency are the ones it pays (the keyword bulkPayoutId).
	start := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, p.opts.Loc)
	end := time.Date(until.Year, until.Month, until.Day, 0, 0, 0, 0, p.opts.Loc).AddDate(0, 0, 1)
	pf := &transfer.PayoutFilter{Criteria: transfer.PayoutCriteria{TimestampRange: &transfer.DateTimeRange{
		From: start.UTC().Format(time.RFC3339), Until: end.UTC().Format(time.RFC3339)}}}
	var payouts []transfer.ObservedPayout
	for w, err := range api.Payouts(ctx, pf) {
		if err != nil {
			return c, fmt.Errorf("payouts: list payouts %s..%s: %w", from, until, err)
		}
		payouts = append(payouts, transfer.ObservePayout(w))
	}
	members := map[string][]settlement.PartnerSettlement{} // bulk payout → its settlements
	for _, po := range payouts {
		b := po.Payout.BulkPayoutID
		if _, done := members[b]; done || b == "" {
			continue
		}
		ss, err := p.pullSettlements(ctx, api, &transfer.PartnerSettlementFilter{Keyword: &transfer.PartnerSettlementKeyword{BulkPayoutID: b}}, nil)
		if err != nil {
			return c, err
		}
		members[b] = ss
	}

	r := payoutRecon{p: p, ctx: ctx, ours: ours, profiles: map[settlement.PartnerID]profileOf{}}
	if err := r.loadSetting(); err != nil {
		return c, err
	}
	r.reconcile(theirs, payouts, members)

	seen := make([]store.SeenPayout, len(payouts))
	for i, po := range payouts {
		seen[i] = store.SeenPayout{Payout: po.Payout, PayoutDate: r.payoutDate[po.Payout.ID], Raw: po.Raw}
	}
	outs, err := p.st.SavePayouts(ctx, seen)
	if err != nil {
		return c, err
	}
	c["payouts"] = int64(len(payouts))
	c["payout_states_new"] = countCreated(outs)

	lo, hi := from, until
	for _, ch := range r.checks {
		lo, hi = minDate(lo, ch.PayoutDate), maxDate(hi, ch.PayoutDate)
	}
	for _, m := range r.mismatches {
		lo, hi = minDate(lo, m.PayoutDate), maxDate(hi, m.PayoutDate)
	}
	if err := p.st.ReplacePayoutChecks(ctx, lo, hi, r.checks, r.mismatches); err != nil {
		return c, err
	}
	c["payout_checks"] = int64(len(r.checks))
	c["payout_mismatches"] = int64(len(r.mismatches))
	failed := false
	for _, m := range r.mismatches {
		if m.Reason.NeedsAttention() {
			c["payout_attention"]++
		}
		// A negative net is finance's to recover, not a difference with
		// PortOne nor money stuck there: it is counted and shown (status,
		// /metrics, the Payouts sheet) but does not fail the run, or every
		// night with a cancel after a payout would exit 3.
		failed = failed || m.Reason != settlement.PayoutNegative
	}
	if failed {
		return c, ErrMismatches
	}
	return c, nil
}

// pullSettlements lists and stores PortOne's partner settlements matching
// f; c, when not nil, counts them.
func (p *Pipeline) pullSettlements(ctx context.Context, api payoutsAPI, f *transfer.PartnerSettlementFilter, c Counts) ([]settlement.PartnerSettlement, error) {
	var out []settlement.PartnerSettlement
	var seen []store.SeenSettlement
	for w, err := range api.PartnerSettlements(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("payouts: list partner settlements: %w", err)
		}
		o := transfer.ObservePartnerSettlement(w)
		out = append(out, o.Settlement)
		seen = append(seen, store.SeenSettlement{Settlement: o.Settlement, Raw: o.Raw})
	}
	outs, err := p.st.SavePartnerSettlements(ctx, seen)
	if err != nil {
		return nil, err
	}
	if c != nil {
		c["partner_settlements"] += int64(len(out))
		c["partner_settlement_states_new"] += countCreated(outs)
	}
	return out, nil
}

func countCreated(outs []store.Outcome) int64 {
	var n int64
	for _, o := range outs {
		if o.Kind == store.Created {
			n++
		}
	}
	return n
}

// expectedSettlements are the partner settlements our transfers at PortOne
// make, of the settlement dates from..until: our settlements whose
// transfer PortOne has, added up by PortOne's key in the store (one
// grouped query: memory grows with keys, not transfers), and our manual
// transfers (addAdjustments); every amount is KRW.
func (p *Pipeline) expectedSettlements(ctx context.Context, from, until settlement.Date) (*settlement.SettlementBook, error) {
	book := settlement.NewSettlementBook(false)
	err := p.st.PostedSettlementTotals(ctx, from, until, func(r *store.PostedSettlementTotal) error {
		k := settlement.SettlementKey{PartnerID: r.PartnerID, ContractID: r.ContractID, Kind: r.Kind, SettlementDate: r.SettlementDate, Currency: settlement.KRW}
		i, err := book.Add(k, r.StartFrom, r.Amounts)
		if err != nil {
			return err
		}
		ps := book.At(i) // one row per key: the settlement is this row
		ps.StartUntil, ps.Transfers = r.StartUntil, r.Transfers
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("payouts: our settlements %s..%s: %w", from, until, err)
	}
	if err := p.addAdjustments(ctx, book, from, until); err != nil {
		return nil, fmt.Errorf("payouts: our adjustments %s..%s: %w", from, until, err)
	}
	return book, nil
}

type profileOf struct {
	p   settlement.TaxProfile
	err error
}

// payoutRecon is one reconciliation of partner settlements and payouts.
type payoutRecon struct {
	p          *Pipeline
	ctx        context.Context
	ours       *settlement.SettlementBook
	setting    settlement.PayoutSetting
	profiles   map[settlement.PartnerID]profileOf
	payoutDate map[string]settlement.Date // payout id → the settlement date it pays
	checks     []store.PayoutCheck
	mismatches []store.PayoutMismatch
}

func (r *payoutRecon) loadSetting() error {
	ps, err := r.p.st.PlatformSetting(r.ctx)
	if errors.Is(err, store.ErrNotFound) {
		return errors.New("payouts: no platform setting yet: run refresh first")
	}
	if err != nil {
		return err
	}
	var w transfer.Setting
	if err := json.Unmarshal(ps.Raw, &w); err != nil {
		return fmt.Errorf("payouts: stored platform setting: %w", err)
	}
	r.setting = transfer.PayoutSettingOf(w)
	return nil
}

// treatment is partner id's payout treatment under setting s, from the
// partner's stored profile (refresh keeps it as PortOne has it).
func (r *payoutRecon) treatment(id settlement.PartnerID, s settlement.PayoutSetting) (settlement.Treatment, error) {
	pr, ok := r.profiles[id]
	if !ok {
		sp, err := r.p.st.Partner(r.ctx, id)
		if err == nil {
			var w transfer.Partner
			if err = json.Unmarshal(sp.Raw, &w); err == nil {
				pr.p = transfer.TaxProfileOf(w)
			}
		}
		if errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("partner %s is not known to settle: %w", id, settlement.ErrUnknownPayoutTerms)
		}
		pr.err = err
		r.profiles[id] = pr
	}
	if pr.err != nil {
		return settlement.Treatment{}, pr.err
	}
	return settlement.TreatmentOf(pr.p, s)
}

func (r *payoutRecon) mismatch(d settlement.Date, subject, key string, partner settlement.PartnerID, m settlement.Mismatch) {
	r.mismatches = append(r.mismatches, store.PayoutMismatch{PayoutDate: d, Subject: subject, Key: key, PartnerID: partner, Mismatch: m})
}

// groupKey is one partner's money of one settlement date and currency.
type groupKey struct {
	partner  settlement.PartnerID
	currency settlement.Currency
	date     settlement.Date
}

func (r *payoutRecon) reconcile(theirs []settlement.PartnerSettlement, payouts []transfer.ObservedPayout, members map[string][]settlement.PartnerSettlement) {
	ours := r.ours.Settlements()
	ourByKey := map[settlement.SettlementKey]*settlement.PartnerSettlement{}
	for i := range ours {
		ourByKey[ours[i].Key] = &ours[i]
	}

	// Partner settlements, key by key (several of PortOne's per key add up).
	// A key that ties may be split at PortOne (a settlement withheld, the
	// key's later transfers in a new one): a payout is then computed from
	// PortOne's settlements it pays, which are ours to the won; a key that
	// differs is reported here, and its payouts are computed from ours.
	differs := map[settlement.SettlementKey]bool{}
	theirKeys := map[settlement.SettlementKey]bool{}
	for _, s := range theirs {
		theirKeys[s.Key] = true
	}
	keyReasons := map[settlement.SettlementKey][]settlement.MismatchReason{}
	for _, ch := range settlement.CompareSettlements(ours, theirs) {
		differs[ch.Key] = len(ch.Mismatches) > 0
		for _, m := range ch.Mismatches {
			r.mismatch(ch.Key.SettlementDate, "partner settlement", ch.Key.String(), ch.Key.PartnerID, m)
			keyReasons[ch.Key] = appendReason(keyReasons[ch.Key], m.Reason)
		}
	}
	// Settlements whose money is held back (a failed payout is reported
	// once, on the payout).
	for _, s := range theirs {
		var reason settlement.MismatchReason
		switch s.Status {
		case settlement.SettlementPayoutWithheld:
			reason = settlement.SettlementWithheld
		case settlement.SettlementPayoutExcluded:
			reason = settlement.SettlementExcluded
		default:
			continue
		}
		r.mismatch(s.Key.SettlementDate, "partner settlement", s.ID, s.Key.PartnerID,
			settlement.Mismatch{Reason: reason, Field: "status", PortOne: s.Amounts.Settlement, Detail: string(s.Status)})
	}

	// Payouts.
	r.payoutDate = map[string]settlement.Date{}
	inPayout := map[string]bool{}                  // PortOne settlement ids some payout pays
	covered := map[settlement.SettlementKey]bool{} // keys some payout pays
	for _, po := range payouts {
		rec := po.Payout
		var mine []settlement.PartnerSettlement
		var date settlement.Date
		for _, s := range members[rec.BulkPayoutID] {
			if s.Key.PartnerID != rec.Key.PartnerID || s.Key.Currency != rec.Key.Currency {
				continue
			}
			inPayout[s.ID] = true
			mine = append(mine, s)
			if date.IsZero() || date.Before(s.Key.SettlementDate) {
				date = s.Key.SettlementDate
			}
		}
		if date.IsZero() && !rec.CreatedAt.IsZero() {
			date = settlement.DateOf(rec.CreatedAt, r.p.opts.Loc)
		}
		r.payoutDate[rec.ID] = date
		theirAmounts := rec.Amounts
		ch := store.PayoutCheck{PayoutDate: date, PartnerID: rec.Key.PartnerID, Currency: rec.Key.Currency, PayoutID: rec.ID,
			Status: string(rec.Status), FailReason: rec.FailReason, Theirs: &theirAmounts}
		// Ours: the settlements the payout pays, netted (see differs).
		var base []settlement.PartnerSettlement
		keys := map[settlement.SettlementKey]bool{}
		for _, s := range mine {
			covered[s.Key] = true
			o := ourByKey[s.Key]
			switch {
			case o == nil:
			case !differs[s.Key]:
				base = append(base, s)
			case !keys[s.Key]:
				base = append(base, *o)
			}
			keys[s.Key] = true
		}
		add := func(m settlement.Mismatch) {
			ch.Reasons = appendReason(ch.Reasons, m.Reason)
			r.mismatch(date, "payout", rec.ID, rec.Key.PartnerID, m)
		}
		// The options a payout was made under are its own (deductWht,
		// settlementAmountType); the platform setting may have changed since.
		s := r.setting
		if rec.AmountType != "" {
			s = settlement.PayoutSetting{AmountType: rec.AmountType, DeductWht: rec.DeductWht}
		}
		switch t, err := r.treatment(rec.Key.PartnerID, s); {
		case len(base) == 0:
			add(settlement.Mismatch{Reason: settlement.PayoutUnknown, Field: "payout", PortOne: rec.Amounts.Amount, Diff: rec.Amounts.Amount,
				Detail: "pays no partner settlement settle expects"})
		case err != nil:
			add(settlement.Mismatch{Reason: settlement.PayoutTermsUnknown, Field: "payout", PortOne: rec.Amounts.Amount, Detail: err.Error()})
		default:
			ch.Treatment = t
			if a, err := payoutOf(base, t, r.p.payoutRules()); err != nil {
				add(settlement.Mismatch{Reason: settlement.PayoutAmountDiffers, Field: "amount", PortOne: rec.Amounts.Amount, Detail: err.Error()})
			} else {
				ch.Ours = &a
				for _, m := range settlement.ComparePayout(&a, &rec.Amounts) {
					add(m)
				}
			}
		}
		if rec.Status.NeedsAttention() {
			add(settlement.Mismatch{Reason: settlement.PayoutFailedReason, Field: "status", PortOne: rec.Amounts.Amount,
				Detail: cmp.Or(rec.FailReason, string(rec.Status))})
		}
		if rec.Amounts.Amount < 0 { // PortOne lists it (in red) but cannot pay it
			m := negative(rec.Amounts.Amount)
			m.PortOne = rec.Amounts.Amount
			if ch.Ours != nil {
				m.Local, m.Diff = ch.Ours.Amount, rec.Amounts.Amount-ch.Ours.Amount
			}
			add(m)
		}
		r.checks = append(r.checks, ch)
	}
	// Settlements PortOne says are in a payout that none we were given pays.
	for _, s := range theirs {
		switch s.Status {
		case settlement.SettlementPayoutScheduled, settlement.SettlementInPayout, settlement.SettlementPaidOut, settlement.SettlementPayoutFailed:
		default:
			continue
		}
		if !inPayout[s.ID] {
			r.mismatch(s.Key.SettlementDate, "partner settlement", s.ID, s.Key.PartnerID,
				settlement.Mismatch{Reason: settlement.PayoutMissing, Field: "payout", PortOne: s.Amounts.Settlement, Detail: string(s.Status)})
		}
	}

	// The money of a partner and date no payout pays (not yet scheduled,
	// withheld, excluded, netted to zero or below): one check each, so the
	// workbook shows it beside the payouts.
	groups := map[groupKey]*store.PayoutCheck{}
	var order []groupKey
	group := func(k settlement.SettlementKey) *store.PayoutCheck {
		g := groupKey{k.PartnerID, k.Currency, k.SettlementDate}
		if ch := groups[g]; ch != nil {
			return ch
		}
		ch := &store.PayoutCheck{PayoutDate: g.date, PartnerID: g.partner, Currency: g.currency}
		groups[g] = ch
		order = append(order, g)
		return ch
	}
	atPortOne := map[groupKey]bool{} // groups PortOne holds settlements of
	base := map[groupKey][]settlement.PartnerSettlement{}
	for _, s := range theirs {
		if inPayout[s.ID] {
			continue
		}
		ch := group(s.Key)
		g := groupKey{s.Key.PartnerID, s.Key.Currency, s.Key.SettlementDate}
		atPortOne[g] = true
		if ourByKey[s.Key] != nil && !differs[s.Key] {
			base[g] = append(base[g], s)
		}
		for _, x := range keyReasons[s.Key] {
			ch.Reasons = appendReason(ch.Reasons, x)
		}
		ch.Status = worstStatus(ch.Status, string(s.Status))
		switch s.Status {
		case settlement.SettlementPayoutWithheld:
			ch.Reasons = appendReason(ch.Reasons, settlement.SettlementWithheld)
		case settlement.SettlementPayoutExcluded:
			ch.Reasons = appendReason(ch.Reasons, settlement.SettlementExcluded)
		}
	}
	for _, s := range ours {
		if covered[s.Key] || theirKeys[s.Key] && !differs[s.Key] {
			continue // in a payout, or counted through PortOne's settlements above
		}
		g := groupKey{s.Key.PartnerID, s.Key.Currency, s.Key.SettlementDate}
		ch := group(s.Key)
		base[g] = append(base[g], s)
		for _, x := range keyReasons[s.Key] {
			ch.Reasons = appendReason(ch.Reasons, x)
		}
	}
	today := r.p.Today()
	slices.SortFunc(order, func(a, b groupKey) int {
		return cmp.Or(a.date.Compare(b.date), cmp.Compare(a.partner, b.partner), cmp.Compare(a.currency, b.currency))
	})
	for _, g := range order {
		ch := groups[g]
		if ch.Status == "" {
			ch.Status = "NOT_AT_PORTONE"
		}
		if t, err := r.treatment(g.partner, r.setting); err == nil && len(base[g]) > 0 {
			ch.Treatment = t
			if a, err := payoutOf(base[g], t, r.p.payoutRules()); err == nil {
				ch.Ours = &a
			}
		}
		key := fmt.Sprintf("%s/%s/%s", g.partner, g.date, g.currency)
		switch {
		case ch.Ours == nil:
		case ch.Ours.Amount < 0:
			// Flagged, never clamped: the partner owes this back.
			m := negative(ch.Ours.Amount)
			m.Local = ch.Ours.Amount
			if atPortOne[g] {
				m.PortOne = ch.Ours.Amount // computed from PortOne's settlements, which tie
			}
			ch.Reasons = appendReason(ch.Reasons, m.Reason)
			r.mismatch(g.date, "payout", key, g.partner, m)
		case ch.Ours.Amount > 0 && g.date.Before(today) && ch.Status == string(settlement.SettlementPayoutPrepared) && len(ch.Reasons) == 0:
			// The settlement date has passed and PortOne still has the
			// settlements waiting for a payout nobody scheduled.
			m := settlement.Mismatch{Reason: settlement.PayoutMissing, Field: "payout", Local: ch.Ours.Amount, Diff: -ch.Ours.Amount,
				Detail: fmt.Sprintf("settlement date %s has passed and PortOne has no payout of these settlements (still %s)", g.date, ch.Status)}
			ch.Reasons = appendReason(ch.Reasons, m.Reason)
			r.mismatch(g.date, "payout", key, g.partner, m)
		}
		r.checks = append(r.checks, *ch)
	}
	slices.SortStableFunc(r.checks, func(a, b store.PayoutCheck) int {
		return cmp.Or(a.PayoutDate.Compare(b.PayoutDate), cmp.Compare(a.PartnerID, b.PartnerID), cmp.Compare(a.Currency, b.Currency))
	})
}

// negative is the PayoutNegative mismatch of a payout of amount won.
func negative(amount settlement.Won) settlement.Mismatch {
	return settlement.Mismatch{Reason: settlement.PayoutNegative, Field: "amount",
		Detail: fmt.Sprintf("the partner's settlements net to %d won: PortOne pays no negative payout; recover it from the partner or net it against a later payout", amount)}
}

// payoutOf is the payout of settlements ss (one partner and currency)
// under treatment t.
func payoutOf(ss []settlement.PartnerSettlement, t settlement.Treatment, rules settlement.PayoutRules) (settlement.PayoutAmounts, error) {
	s, tf, err := settlement.NetOf(ss)
	if err != nil {
		return settlement.PayoutAmounts{}, err
	}
	return settlement.PayoutOf(s, tf, t, rules)
}

// payoutRules are Options.PayoutRules, or settlement.DefaultPayoutRules.
func (p *Pipeline) payoutRules() settlement.PayoutRules {
	if p.opts.PayoutRules != nil {
		return *p.opts.PayoutRules
	}
	return settlement.DefaultPayoutRules
}

func appendReason(rs []settlement.MismatchReason, r settlement.MismatchReason) []settlement.MismatchReason {
	if slices.Contains(rs, r) {
		return rs
	}
	return append(rs, r)
}

// worstStatus keeps, of a group's settlement statuses, the one that needs
// a look most: withheld or excluded before any other.
func worstStatus(have, s string) string {
	if have == "" || settlement.PartnerSettlementStatus(s).NeedsAttention() {
		return s
	}
	return have
}

func minDate(a, b settlement.Date) settlement.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b settlement.Date) settlement.Date {
	if a.Before(b) {
		return b
	}
	return a
}
