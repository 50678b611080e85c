package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// termsCache loads contract and policy versions once per run.
type termsCache struct {
	st        *store.Store
	contracts map[string]store.Versioned[settlement.Contract] // "id@version"
	discount  map[string]store.Versioned[settlement.DiscountSharePolicy]
	fee       map[string]store.Versioned[settlement.AdditionalFeePolicy]
	partners  map[string]store.Partner
	setting   store.PlatformSetting
	built     map[string]builtTerms        // "id@version rules" → the terms of that contract version under those rules
	rules     map[string]*settlement.Rules // rules version → the rules kept for it (store.RulesFile)
}

// builtTerms are a contract version's settlement terms with the policies in
// force, and the versions of those policies.
type builtTerms struct {
	terms    settlement.Terms
	versions map[string]int
}

func (p *Pipeline) newTermsCache(ctx context.Context) (*termsCache, error) {
	tc := &termsCache{st: p.st, contracts: map[string]store.Versioned[settlement.Contract]{}, partners: map[string]store.Partner{},
		built: map[string]builtTerms{}, rules: map[string]*settlement.Rules{}}
	var err error
	if tc.discount, err = p.st.AllDiscountSharePolicies(ctx); err != nil {
		return nil, err
	}
	if tc.fee, err = p.st.AllAdditionalFeePolicies(ctx); err != nil {
		return nil, err
	}
	// Before the first refresh PortOne's defaults apply (the setting is off).
	if tc.setting, err = p.st.PlatformSetting(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return tc, nil
}

func (tc *termsCache) contract(ctx context.Context, id string, version int) (store.Versioned[settlement.Contract], error) {
	key := fmt.Sprintf("%s@%d", id, version)
	if c, ok := tc.contracts[key]; ok {
		return c, nil
	}
	c, err := tc.st.Contract(ctx, id, version)
	if err != nil {
		return c, err
	}
	tc.contracts[key] = c
	return c, nil
}

func (tc *termsCache) partner(ctx context.Context, id string) (store.Partner, error) {
	if pt, ok := tc.partners[id]; ok {
		return pt, nil
	}
	pt, err := tc.st.Partner(ctx, settlement.PartnerID(id))
	if err != nil {
		return pt, err
	}
	tc.partners[id] = pt
	return pt, nil
}

// terms builds the settlement terms of a contract version with the policies
// in force, and records the policy versions that apply: once per contract
// version and run (the engine does not change them).
func (p *Pipeline) terms(tc *termsCache, c store.Versioned[settlement.Contract]) (settlement.Terms, map[string]int) {
	return p.termsWith(tc, c, p.opts.Rules)
}

// termsWith is terms under given rules (a cancel's: its order's).
func (p *Pipeline) termsWith(tc *termsCache, c store.Versioned[settlement.Contract], rules *settlement.Rules) (settlement.Terms, map[string]int) {
	key := fmt.Sprintf("%s@%d %s", c.Value.ID, c.Version, rules.Version())
	if b, ok := tc.built[key]; ok {
		return b.terms, b.versions
	}
	t, versions := p.buildTerms(tc, c, rules)
	tc.built[key] = builtTerms{t, versions}
	return t, versions
}

// rulesOf returns the rules of a version that computed a settlement: the
// current ones, or those kept for that version when SETTLE_RULES changed
// since. A version with no file kept (settled before rules files were
// kept, or "" before rules were recorded) gets the current rules, with a
// warning: there is nothing else to replay it with.
func (p *Pipeline) rulesOf(ctx context.Context, tc *termsCache, version string) (*settlement.Rules, error) {
	cur := p.opts.Rules
	if version == "" || version == cur.Version() {
		return cur, nil
	}
	if r, ok := tc.rules[version]; ok {
		return r, nil
	}
	file, err := p.st.RulesFile(ctx, version)
	switch {
	case errors.Is(err, store.ErrNotFound):
		p.log.Warn("the rules an order was settled with are not kept; its cancels are settled with the current rules",
			"rules_version", version, "current", cur.Version())
		tc.rules[version] = cur
		return cur, nil
	case err != nil:
		return nil, err
	}
	r, err := settlement.ParseRules(file)
	if err != nil {
		return nil, fmt.Errorf("the rules file kept for %q: %w", version, err)
	}
	tc.rules[version] = r
	return r, nil
}

func (p *Pipeline) buildTerms(tc *termsCache, c store.Versioned[settlement.Contract], rules *settlement.Rules) (settlement.Terms, map[string]int) {
	t := settlement.Terms{
		Contract:               c.Value,
		DiscountSharePolicies:  make(map[string]settlement.DiscountSharePolicy, len(tc.discount)),
		AdditionalFeePolicies:  make(map[string]settlement.AdditionalFeePolicy, len(tc.fee)),
		Rules:                  rules,
		Rounding:               p.opts.Rounding,
		Calendar:               p.opts.Calendar,
		AdjustEarlierToNextDay: tc.setting.AdjustSettlementDateAfterHolidayIfEarlier,
	}
	versions := map[string]int{}
	for id, v := range tc.discount {
		t.DiscountSharePolicies[id] = v.Value
		versions[id] = v.Version
	}
	for id, v := range tc.fee {
		t.AdditionalFeePolicies[id] = v.Value
		versions[id] = v.Version
	}
	return t, versions
}

// usedPolicies keeps only the versions of the policies an order names.
func usedPolicies(o settlement.Order, all map[string]int) map[string]int {
	used := map[string]int{}
	add := func(id string) {
		if v, ok := all[id]; ok {
			used[id] = v
		}
	}
	for _, d := range o.Discounts {
		add(d.SharePolicyID)
	}
	for _, f := range o.AdditionalFees {
		add(f)
	}
	for _, l := range o.Lines {
		for _, d := range l.Discounts {
			add(d.SharePolicyID)
		}
		for _, f := range l.AdditionalFees {
			add(f)
		}
	}
	return used
}

// Settle computes the blocks and settlement dates of every order and
// cancellation due by d that has none yet: d's own, and those of any
// earlier date, however old, that arrived after their date's run or waited
// for their order. It creates one transfer intent each, with its client
// transfer id, in the same transaction. Records of earlier dates are
// settled under d (d's post and reconcile take them) with their own
// settlementStartDate. It resumes by construction: what is settled is not
// settled again. An input the rules reject is kept in rejected records with
// its reason and field; a cancellation whose order is not settled waits.
// The counts end with what still waits, by reason (waiting_<reason>).
func (p *Pipeline) Settle(ctx context.Context, d settlement.Date, opts RunOptions) (Counts, error) {
	c := Counts{}
	tc, err := p.newTermsCache(ctx)
	if err != nil {
		return c, err
	}
	// The rules are kept before any settlement records their version, so
	// that a later cancel finds the rules its order was settled with.
	if err := p.st.SaveRulesFile(ctx, p.opts.Rules.Version(), p.opts.Rules.File()); err != nil {
		return c, err
	}
	save := func(batch []store.SettlementRecord) error {
		if len(batch) == 0 {
			return nil
		}
		outs, err := p.st.SaveSettlements(ctx, batch)
		if err != nil {
			return err
		}
		for _, o := range outs {
			c[string(o.Kind)]++
		}
		return nil
	}
	// lateness counts a record of an earlier date as late.
	lateness := func(bd settlement.Date, kind string) string {
		if bd.Before(d) {
			return "late_" + kind
		}
		return kind
	}
	// A page of orders is settled and saved in one transaction. The next
	// page is read and settled while the last one is saved (orders do not
	// depend on each other): the store and the engine each have a core.
	type page struct {
		prep    *store.PreparedSettlements
		rejects []*store.OrderRecord
		errs    []error
		counts  Counts
	}
	pages := make(chan page, 1)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(pages)
		return p.st.UnsettledOrderPages(gctx, d, settleBatch, func(recs []store.OrderRecord) error {
			pg := page{counts: Counts{}}
			batch := make([]store.SettlementRecord, 0, len(recs))
			for i := range recs {
				rec := &recs[i]
				sr, rej := p.settleOrder(gctx, tc, d, rec)
				if sf := (*storeFailure)(nil); errors.As(rej, &sf) {
					return sf.err
				}
				if rej != nil {
					pg.rejects, pg.errs = append(pg.rejects, rec), append(pg.errs, rej)
					continue
				}
				pg.counts[lateness(rec.BusinessDate, "orders")]++
				batch = append(batch, sr)
			}
			var err error
			if pg.prep, err = p.st.PrepareSettlements(batch); err != nil {
				return err
			}
			select {
			case pages <- pg:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	g.Go(func() error {
		for pg := range pages {
			for i, rec := range pg.rejects {
				c["rejected"]++
				if err := p.reject(gctx, rec.File, rec.Line, string(rec.Order.PartnerID), string(rec.Order.PaymentID), rec.Request, pg.errs[i]); err != nil {
					return err
				}
			}
			outs, err := p.st.SavePreparedSettlements(gctx, pg.prep)
			if err != nil {
				return err
			}
			for _, o := range outs {
				c[string(o.Kind)]++
			}
			for k, n := range pg.counts {
				c[k] += n
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return c, fmt.Errorf("settle %s: orders: %w", d, err)
	}
	// Cancellations a page at a time, in the order they happened: each
	// one's book replays the ones of its payment settled before it, stored
	// or earlier in the page, so a page waits for the last one's save.
	var batch []store.SettlementRecord
	err = p.st.UnsettledCancellationPages(ctx, d, settleBatch, func(page []store.CancellationRecord) error {
		cp, err := p.loadCancelPage(ctx, page)
		if err != nil {
			return err
		}
		batch = batch[:0]
		for i := range page {
			rec := &page[i]
			sr, rej := p.settleCancel(ctx, tc, d, rec, cp)
			if errors.Is(rej, errOrderNotSettled) {
				continue // it waits for its order (counted below), not rejected
			}
			if sf := (*storeFailure)(nil); errors.As(rej, &sf) {
				return sf.err
			}
			if rej != nil {
				c["rejected"]++
				if err := p.reject(ctx, rec.File, rec.Line, string(rec.PartnerID), string(rec.Cancellation.CancellationID), rec.Request, rej); err != nil {
					return err
				}
				continue
			}
			c[lateness(rec.BusinessDate, "cancellations")]++
			batch = append(batch, sr)
		}
		return save(batch)
	})
	if err != nil {
		return c, fmt.Errorf("settle %s: cancellations: %w", d, err)
	}
	return c, p.countWaiting(ctx, d, c)
}

// settleBatch is how many records a settle run reads, settles and saves at
// a time, in one transaction. Large: a transaction writes each index page
// it touches once, and the keys of some indexes (the intents' ids, a
// marketplace's payment ids) fall anywhere in them; 5,000 records are a
// few megabytes in memory.
const settleBatch = 5000

// countWaiting adds to c what is still not settled after the run of d, by
// reason (waiting_<reason>, orders and cancellations together), and warns
// when records wait for anything but their own date's run.
func (p *Pipeline) countWaiting(ctx context.Context, d settlement.Date, c Counts) error {
	waiting, err := p.st.CountWaiting(ctx, d)
	if err != nil {
		return fmt.Errorf("settle %s: count waiting records: %w", d, err)
	}
	var attrs []any
	for kind, reasons := range waiting {
		for r, n := range reasons {
			c["waiting_"+string(r)] += n
			if r != store.WaitDateNotRun {
				attrs = append(attrs, strings.ToLower(string(kind))+"_"+string(r), n)
			}
		}
	}
	if len(attrs) > 0 {
		p.log.Warn("records not settled", append([]any{"business_date", d.String()}, attrs...)...)
	}
	return nil
}

// reject keeps a record the settlement rules refused at settle time, with
// source "pipeline" and the file and line it came from, if any.
func (p *Pipeline) reject(ctx context.Context, file string, line int, partnerID, key string, raw []byte, rej error) error {
	r := store.Rejected{Source: store.SourcePipeline, File: file, Line: line, PartnerID: settlement.PartnerID(partnerID), RecordKey: key, Payload: raw, Reason: rej.Error()}
	if se, ok := settlement.AsError(rej); ok {
		r.Field, r.ErrorType = se.Field, string(se.Type)
	}
	_, err := p.st.SaveRejected(ctx, r)
	return err
}

func (p *Pipeline) settleOrder(ctx context.Context, tc *termsCache, d settlement.Date, rec *store.OrderRecord) (store.SettlementRecord, error) {
	o := rec.Order
	contractID := o.ContractID
	if contractID == "" {
		pt, err := tc.partner(ctx, string(o.PartnerID))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.SettlementRecord{}, &storeFailure{err}
		}
		if err != nil {
			return store.SettlementRecord{}, &settlement.Error{Type: settlement.ErrPartnerNotFound, Field: "partnerId", Message: fmt.Sprintf("partner %q is not known (run refresh): %v", o.PartnerID, err)}
		}
		contractID = pt.DefaultContractID
	}
	c, err := tc.contract(ctx, contractID, 0)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.SettlementRecord{}, &storeFailure{err}
	}
	if err != nil {
		return store.SettlementRecord{}, &settlement.Error{Type: settlement.ErrContractNotFound, Field: "contractId", Message: fmt.Sprintf("contract %q is not known: %v", contractID, err)}
	}
	terms, versions := p.terms(tc, c)
	t, err := settlement.SettleOrder(o, terms)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	req, err := orderRequest(rec, contractID)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	return store.SettlementRecord{Transfer: t, BusinessDate: d, ContractVersion: c.Version, PolicyVersions: usedPolicies(o, versions),
		RulesVersion: p.opts.Rules.Version(), IntentRequest: req, IntentGeneration: rec.Generation, OrderID: rec.ID, OrderBusinessDate: rec.BusinessDate}, nil
}

// storeFailure is a store error met while settling one record (the
// database unreachable, a cancelled run): it fails the run, which the next
// one resumes, and is never kept as the record's rejection — a rejection
// is final, and the record was not at fault.
type storeFailure struct{ err error }

func (f *storeFailure) Error() string { return f.err.Error() }
func (f *storeFailure) Unwrap() error { return f.err }

// errOrderNotSettled: a cancellation whose order has no settlement yet. It
// is not a rejection: the cancellation waits for its order.
var errOrderNotSettled = errors.New("the order of this cancellation is not registered or not settled")

// cancelPage is what the cancellations of one page are settled against,
// read for the whole page at once: their orders, the settlements of their
// payments and every stored cancellation of those payments. settle keeps
// it current: a cancellation settled in the page is done for the ones
// after it.
type cancelPage struct {
	orders  map[store.PaymentKey]*store.OrderRecord
	settled map[store.PaymentKey][]store.Settled
	cancels map[store.PaymentKey][]store.CancellationRecord
	next    int64 // the order of the next settlement of the page, after every stored one
}

func (p *Pipeline) loadCancelPage(ctx context.Context, page []store.CancellationRecord) (*cancelPage, error) {
	keys := make([]store.PaymentKey, len(page))
	for i := range page {
		keys[i] = store.PaymentKey{PartnerID: page[i].PartnerID, PaymentID: page[i].PaymentID}
	}
	cp := &cancelPage{next: math.MaxInt64 / 2}
	var err error
	if cp.orders, err = p.st.OrdersOf(ctx, keys); err != nil {
		return nil, err
	}
	if cp.settled, err = p.st.SettledOf(ctx, keys); err != nil {
		return nil, err
	}
	if cp.cancels, err = p.st.CancellationsOf(ctx, keys); err != nil {
		return nil, err
	}
	return cp, nil
}

func (p *Pipeline) settleCancel(ctx context.Context, tc *termsCache, d settlement.Date, rec *store.CancellationRecord, cp *cancelPage) (store.SettlementRecord, error) {
	k := store.PaymentKey{PartnerID: rec.PartnerID, PaymentID: rec.PaymentID}
	orderRec := cp.orders[k]
	if orderRec == nil {
		return store.SettlementRecord{}, errOrderNotSettled
	}
	var orderSettlement *store.Settled
	done := map[settlement.CancellationID]int64{} // cancellation id → the order it was settled in
	for i := range cp.settled[k] {
		s := &cp.settled[k][i]
		switch s.Kind {
		case settlement.KindOrder:
			orderSettlement = s
		case settlement.KindOrderCancel:
			done[s.CancellationID] = s.ID
		}
	}
	if orderSettlement == nil {
		return store.SettlementRecord{}, errOrderNotSettled
	}
	// The cancel uses the contract version its order was settled with.
	c, err := tc.contract(ctx, orderSettlement.ContractID, orderSettlement.ContractVersion)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.SettlementRecord{}, &storeFailure{err}
	}
	if err != nil {
		return store.SettlementRecord{}, err
	}
	// … and the rules its order was settled with.
	rules, err := p.rulesOf(ctx, tc, orderSettlement.RulesVersion)
	if err != nil {
		return store.SettlementRecord{}, &storeFailure{err}
	}
	terms, versions := p.termsWith(tc, c, rules)
	book, err := settlement.NewBook(orderRec.Order, terms)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	prior := slices.Clone(cp.cancels[k]) // in (cancelledAt, id) order
	slices.SortStableFunc(prior, func(a, b store.CancellationRecord) int {
		return cmp.Compare(done[a.Cancellation.CancellationID], done[b.Cancellation.CancellationID])
	})
	for _, pc := range prior {
		if _, ok := done[pc.Cancellation.CancellationID]; !ok || pc.Cancellation.CancellationID == rec.Cancellation.CancellationID {
			continue
		}
		if _, err := book.Cancel(pc.Cancellation); err != nil {
			return store.SettlementRecord{}, fmt.Errorf("replaying cancellation %s: %w", pc.Cancellation.CancellationID, err)
		}
	}
	t, err := book.Cancel(rec.Cancellation)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	req, err := cancelRequest(rec, orderRec.Generation)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	// Settled now: the page's later cancellations of the payment replay it.
	cp.settled[k] = append(cp.settled[k], store.Settled{ID: cp.next, Kind: settlement.KindOrderCancel, CancellationID: rec.Cancellation.CancellationID})
	cp.next++
	return store.SettlementRecord{Transfer: t, BusinessDate: d, ContractVersion: c.Version, PolicyVersions: usedPolicies(orderRec.Order, versions),
		RulesVersion: rules.Version(), IntentRequest: req, IntentGeneration: rec.Generation, OrderID: orderRec.ID, CancellationRecordID: rec.ID}, nil
}
