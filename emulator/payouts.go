package emulator

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Partner settlements and payouts (issue #15), built on every read from the
// transfers of the settlement dates a request is about, the documented way
// (portone-platform.md §3.9, §6.7, §12): transfers grouped by
// settlement.SettlementBook (partner, contract, type, settlement date,
// currency; a key closed by a withhold or an exclusion starts a new
// settlement), one payout per partner, currency and settlement date, netted,
// with VAT and withholding by settlement.PayoutOf and
// settlement.DefaultPayoutRules. Nothing is kept per transfer: the emulator
// is scaled to a million transfers, so the only state is the controls below
// (one entry per control), and a list costs the transfers of its dates.
//
// Statuses follow the clock, for a settlement date D (in Options.Location):
//
//	before D                       PAYOUT_PREPARED   (no payout yet)
//	D 00:00 until D 10:00          PAYOUT_SCHEDULED  payout SCHEDULED
//	D 10:00 until D+1 00:00        IN_PAYOUT         payout PROCESSING
//	from D+1 00:00                 PAID_OUT          payout SUCCEEDED
//
// A partner whose settlements of a date net to zero or below gets no payout
// (PortOne does not pay a negative partner); its settlements stay
// PAYOUT_PREPARED. ControlPayout withholds or excludes a partner's
// settlements of a date (PAYOUT_WITHHELD, PAYOUT_EXCLUDED: not in the
// payout), or fails its payout (FAILED with a failReason from D 10:00; its
// settlements PAYOUT_FAILED), or makes none (UNSCHEDULED: its settlements
// stay PAYOUT_PREPARED past their date). These are the emulator's choices where
// PortOne documents no timing [derived].

// PayoutAction is what ControlPayout does to a partner's payout of a date.
type PayoutAction string

// The payout controls.
const (
	PayoutWithhold PayoutAction = "WITHHOLD" // settlements PAYOUT_WITHHELD, left out of the payout
	PayoutExclude  PayoutAction = "EXCLUDE"  // settlements PAYOUT_EXCLUDED, left out of the payout
	PayoutFail     PayoutAction = "FAIL"     // the payout FAILED, its settlements PAYOUT_FAILED
	// PayoutUnscheduled: no payout is made of the partner's settlements of
	// the date (nobody scheduled one); they stay PAYOUT_PREPARED after
	// their date, as at PortOne when a marketplace makes no bulk payout.
	PayoutUnscheduled PayoutAction = "UNSCHEDULED"
)

// PayoutActions are the actions ControlPayout takes, for flags and messages.
var PayoutActions = []PayoutAction{PayoutWithhold, PayoutExclude, PayoutFail, PayoutUnscheduled}

// payoutProcessingHour is the hour of a settlement date at which its
// payouts are processed.
const payoutProcessingHour = 10

// payoutControl is one ControlPayout. upTo is the number of transfers
// that existed when it was given: a withhold or an exclusion closes the
// settlements of its partner and date as they were, and later transfers
// of the same key start new ones (§12: the key is not unique).
type payoutControl struct {
	partner settlement.PartnerID
	date    settlement.Date
	action  PayoutAction
	reason  string
	at      time.Time
	upTo    recNo
}

// payoutState is an environment's payout controls and tampers.
type payoutState struct {
	controls []payoutControl
	tampers  []func(*transfer.Payout)
	books    map[string]*dateBook // by settlement date, built for gen
	gen      bookGen
}

// ControlPayout withholds, excludes or fails partner's payout of
// settlement date date in one environment; reason is a failed payout's
// failReason. Controls add up: a fail after a withhold fails what the
// withhold left in the payout.
func (s *Server) ControlPayout(test bool, partner settlement.PartnerID, date settlement.Date, a PayoutAction, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	e.payouts.controls = append(e.payouts.controls, payoutControl{
		partner: partner, date: date, action: a, reason: reason, at: s.now(), upTo: recNo(e.transfers.n),
	})
}

// TamperPayouts rewrites every payout in responses of one environment,
// without touching state (the payout counterpart of Tamper).
func (s *Server) TamperPayouts(test bool, fn func(*transfer.Payout)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	e.payouts.tampers = append(e.payouts.tampers, fn)
}

// psView is one partner settlement as the emulator shows it.
type psView struct {
	ps       settlement.PartnerSettlement
	contract *transfer.Contract
	payout   *poView
	updated  time.Time
}

// poView is one payout and its settlements.
type poView struct {
	id, bulkID string
	key        settlement.PayoutKey
	date       settlement.Date
	status     settlement.PayoutStatus
	amounts    settlement.PayoutAmounts
	created    time.Time
	scheduled  time.Time
	updated    time.Time
	failReason string
}

// payoutsOf builds the partner settlements and payouts of settlement dates
// dates (PortOne's date strings; nil: every date). Callers hold s.mu.
func (s *Server) payoutsOf(e *env, dates []string) ([]psView, []*poView) {
	now := s.now()
	if dates == nil {
		dates = slices.Clone(e.transfers.byDate.keys)
	}
	var (
		views   []psView
		payouts []*poView
	)
	for _, d := range dates {
		date, err := settlement.ParseDate(d)
		if err != nil {
			continue
		}
		v, p := s.payoutsOfDate(e, d, date, now)
		views, payouts = append(views, v...), append(payouts, p...)
	}
	return views, payouts
}

// dateBook is the partner settlements of one settlement date as its
// transfers and the withhold and exclude controls make them: the costly
// part of a list (every transfer of the date rendered), cached until a
// transfer is added or removed, a control is given or the setting
// manualSettlementPerTransfer changes. Amounts of a stored transfer never
// change, so nothing else invalidates it.
type dateBook struct {
	book      *settlement.SettlementBook
	contracts map[string]*transfer.Contract
	forced    map[int]payoutControl
}

// bookGen is what a cached dateBook was built from.
type bookGen struct {
	added, live, controls int
	perTransferManual     bool
}

func (s *Server) dateBookOf(e *env, d string, date settlement.Date) *dateBook {
	gen := bookGen{e.transfers.n, e.transfers.len(), len(e.payouts.controls), e.setting.ManualSettlementPerTransfer}
	if e.payouts.gen != gen || e.payouts.books == nil {
		e.payouts.gen, e.payouts.books = gen, map[string]*dateBook{}
	}
	if b, ok := e.payouts.books[d]; ok {
		return b
	}
	b := s.buildDateBook(e, d, date)
	e.payouts.books[d] = b
	return b
}

func (s *Server) buildDateBook(e *env, d string, date settlement.Date) *dateBook {
	var recs []recNo
	e.transfers.byDate.each(&dateRange{From: d, Until: d}, func(g *group) bool {
		recs = append(recs, g.recs...)
		return true
	})
	if len(recs) == 0 {
		return nil
	}
	slices.Sort(recs)
	var ctls []payoutControl
	for _, c := range e.payouts.controls {
		if c.date == date && (c.action == PayoutWithhold || c.action == PayoutExclude) {
			ctls = append(ctls, c)
		}
	}
	slices.SortStableFunc(ctls, func(a, b payoutControl) int { return cmp.Compare(a.upTo, b.upTo) })
	db := &dateBook{
		book:      settlement.NewSettlementBook(e.setting.ManualSettlementPerTransfer),
		contracts: map[string]*transfer.Contract{}, forced: map[int]payoutControl{},
	}
	book := db.book
	today := s.today()
	closeKey := func(c payoutControl) {
		for i := range book.Len() {
			if _, done := db.forced[i]; !done && book.At(i).Key.PartnerID == c.partner {
				db.forced[i] = c
				book.SetStatus(i, statusOfControl(c.action))
			}
		}
	}
	for _, n := range recs {
		for len(ctls) > 0 && ctls[0].upTo < n {
			closeKey(ctls[0])
			ctls = ctls[1:]
		}
		w := s.renderSummary(e, e.transfers.at(n), today)
		t, _ := transfer.TransferFromWire(w)
		settlement.NormalizeCancel(&t)
		if w.SettlementAmount != nil { // MANUAL: its amounts are not a block
			t.Amounts.Settlement = settlement.Won(*w.SettlementAmount)
		}
		if w.SettlementTaxFreeAmount != nil {
			t.Amounts.SettlementTaxFree = settlement.Won(*w.SettlementTaxFreeAmount)
		}
		cur := settlement.Currency(w.SettlementCurrency)
		if cur == "" {
			cur = settlement.KRW
		}
		if _, err := book.AddTransfer(&t, cur); err != nil {
			s.log.Warn("partner settlement beyond range", "transfer", w.ID, "err", err)
			continue
		}
		if w.Contract != nil && db.contracts[w.Contract.ID] == nil {
			c := *w.Contract
			db.contracts[c.ID] = &c
		}
	}
	for _, c := range ctls {
		closeKey(c)
	}
	return db
}

func (s *Server) payoutsOfDate(e *env, d string, date settlement.Date, now time.Time) ([]psView, []*poView) {
	db := s.dateBookOf(e, d, date)
	if db == nil {
		return nil, nil
	}
	book, contracts, forced := db.book, db.contracts, db.forced

	// The clock's stage of this date.
	dayStart := time.Date(date.Year, date.Month, date.Day, 0, 0, 0, 0, s.loc)
	processing := dayStart.Add(payoutProcessingHour * time.Hour)
	dayEnd := dayStart.AddDate(0, 0, 1)

	views := make([]psView, book.Len())
	members := map[settlement.PayoutKey][]int{}
	var keys []settlement.PayoutKey
	gen := map[settlement.SettlementKey]int{}
	for i := range book.Len() {
		p := *book.At(i)
		g := gen[p.Key]
		gen[p.Key] = g + 1
		p.ID = settlementIDOf(p.Key, g)
		v := psView{ps: p, contract: contracts[p.Key.ContractID]}
		if c, ok := forced[i]; ok {
			v.updated = c.at
		} else {
			k := settlement.PayoutKey{PartnerID: p.Key.PartnerID, Currency: p.Key.Currency}
			if members[k] == nil {
				keys = append(keys, k)
			}
			members[k] = append(members[k], i)
		}
		views[i] = v
	}
	var payouts []*poView
	for _, k := range keys {
		idx := members[k]
		ss := make([]settlement.PartnerSettlement, len(idx))
		for j, i := range idx {
			ss[j] = views[i].ps
		}
		po := s.payoutOf(e, k, date, ss)
		st := settlement.SettlementPayoutPrepared
		updated := time.Time{}
		switch {
		case po == nil || now.Before(dayStart):
			po = nil
		case po.failReason != "" && !now.Before(processing):
			po.status, po.updated, st = settlement.PayoutFailed, processing, settlement.SettlementPayoutFailed
		case now.Before(processing):
			po.status, po.updated, st = settlement.PayoutScheduled, dayStart, settlement.SettlementPayoutScheduled
		case now.Before(dayEnd):
			po.status, po.updated, st = settlement.PayoutProcessing, processing, settlement.SettlementInPayout
		default:
			po.status, po.updated, st = settlement.PayoutSucceeded, dayEnd, settlement.SettlementPaidOut
		}
		if po != nil {
			if po.status != settlement.PayoutFailed {
				po.failReason = ""
			}
			payouts = append(payouts, po)
			updated = po.updated
		}
		for _, i := range idx {
			views[i].ps.Status, views[i].payout, views[i].updated = st, po, updated
		}
	}
	for i := range views {
		if c, ok := forced[i]; ok {
			views[i].ps.Status = statusOfControl(c.action)
		}
	}
	slices.SortStableFunc(views, func(a, b psView) int { return a.ps.Key.Compare(b.ps.Key) })
	return views, payouts
}

// payoutOf is the payout of partner settlements ss (one partner, currency
// and date), or nil when it pays nothing or cannot be computed.
func (s *Server) payoutOf(e *env, k settlement.PayoutKey, date settlement.Date, ss []settlement.PartnerSettlement) *poView {
	var prof settlement.TaxProfile
	if p := e.partners[string(k.PartnerID)]; p != nil {
		prof = settlement.TaxProfile{Type: settlement.PartnerType(p.Type.Type)}
		if prof.Type == settlement.PartnerBusiness {
			prof.Taxation = settlement.TaxationType(p.Type.TaxationType)
		}
	}
	treat, err := settlement.TreatmentOf(prof, settlement.PayoutSetting{
		AmountType: settlement.AmountType(e.setting.SettlementAmountType), DeductWht: e.setting.DeductWht})
	if err != nil {
		s.log.Warn("no payout", "partner", k.PartnerID, "err", err)
		return nil
	}
	set, taxFree, err := settlement.NetOf(ss)
	if err != nil {
		return nil
	}
	a, err := settlement.PayoutOf(set, taxFree, treat, settlement.DefaultPayoutRules)
	if err != nil || a.Amount <= 0 {
		return nil
	}
	dayStart := time.Date(date.Year, date.Month, date.Day, 0, 0, 0, 0, s.loc)
	po := &poView{
		id: fmt.Sprintf("payout.%s.%s.%s", date, k.PartnerID, k.Currency), bulkID: "bulk-payout." + date.String(),
		key: k, date: date, amounts: a, created: dayStart, scheduled: dayStart.Add(payoutProcessingHour * time.Hour),
	}
	for _, c := range e.payouts.controls {
		if c.partner != k.PartnerID || c.date != date {
			continue
		}
		switch c.action {
		case PayoutFail:
			po.failReason = cmp.Or(c.reason, "payout failed")
		case PayoutUnscheduled:
			return nil
		}
	}
	return po
}

func statusOfControl(a PayoutAction) settlement.PartnerSettlementStatus {
	if a == PayoutExclude {
		return settlement.SettlementPayoutExcluded
	}
	return settlement.SettlementPayoutWithheld
}

// settlementIDOf is the id of the g-th settlement of key k: stable across
// reads, since settlements are rebuilt on every read.
func settlementIDOf(k settlement.SettlementKey, g int) string {
	c := cmp.Or(k.ContractID, "-")
	return fmt.Sprintf("partner-settlement.%s.%s.%s.%s.%s.%d", k.SettlementDate, k.PartnerID, c, k.Kind, k.Currency, g)
}

// ---- GET /platform/partner-settlements ----

func (s *Server) listPartnerSettlements(w http.ResponseWriter, r *http.Request, body []byte) {
	var f transfer.PartnerSettlementFilter
	lr, aerr := parseList(r, body, &f)
	if aerr == nil && len(strings.TrimSpace(string(lr.Filter))) == 0 {
		aerr = invalidRequest("filter: required")
	}
	test, terr := testMode(r, listBody(r, body))
	if aerr == nil {
		aerr = terr
	}
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	e := s.env(test)
	var dates []string
	if len(f.SettlementDates) > 0 {
		dates = slices.Clone(f.SettlementDates)
		slices.Sort(dates)
		dates = slices.Compact(dates)
	}
	views, _ := s.payoutsOf(e, dates)
	items := []transfer.PartnerSettlement{}
	counts := map[string]int{
		"payoutScheduled": 0, "payoutPrepared": 0, "payoutWithheld": 0, "payoutExcluded": 0,
		"payoutFailed": 0, "payoutCancelled": 0, "payoutConfirmed": 0, "inPayout": 0, "paidOut": 0,
	}
	for i := range views {
		v := &views[i]
		if !psAdmits(e, &f, v) {
			continue
		}
		counts[statsName(string(v.ps.Status))]++
		items = append(items, s.settlementWire(e, v))
	}
	s.mu.Unlock()
	writeList(s, w, items, lr.Page, counts)
}

// statsName is a status's field in PortOne's status stats:
// PAYOUT_SCHEDULED → payoutScheduled.
func statsName(status string) string {
	parts := strings.Split(strings.ToLower(status), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func psAdmits(e *env, f *transfer.PartnerSettlementFilter, v *psView) bool {
	p := &v.ps
	if !oneOf(f.ContractIDs, p.Key.ContractID) || !oneOf(f.SettlementCurrencies, transfer.Currency(p.Key.Currency)) ||
		!oneOf(f.Statuses, string(p.Status)) || !oneOf(f.PartnerIDs, string(p.Key.PartnerID)) ||
		!oneOf(f.SettlementTypes, string(p.Key.Kind)) {
		return false
	}
	if len(f.PartnerTags) > 0 {
		pt := e.partners[string(p.Key.PartnerID)]
		if pt == nil || !slices.ContainsFunc(f.PartnerTags, func(t string) bool { return slices.Contains(pt.Tags, t) }) {
			return false
		}
	}
	if k := f.Keyword; k != nil {
		if k.PartnerSettlementID != "" && k.PartnerSettlementID != p.ID {
			return false
		}
		if (k.PayoutID != "" || k.BulkPayoutID != "") && v.payout == nil {
			return false
		}
		if k.PayoutID != "" && k.PayoutID != v.payout.id || k.BulkPayoutID != "" && k.BulkPayoutID != v.payout.bulkID {
			return false
		}
	}
	return true
}

func (s *Server) settlementWire(e *env, v *psView) transfer.PartnerSettlement {
	p := &v.ps
	w := transfer.PartnerSettlement{
		Type: string(p.Key.Kind), ID: p.ID, GraphqlID: graphqlID("PlatformPartnerSettlement", p.ID),
		SettlementDate: p.Key.SettlementDate.String(), SettlementCurrency: transfer.Currency(p.Key.Currency),
		Status: string(p.Status), Contract: v.contract, IsForTest: e.test,
	}
	_ = json.Unmarshal(e.partnerRaw(string(p.Key.PartnerID)), &w.Partner)
	if !v.updated.IsZero() {
		w.StatusUpdatedAt = v.updated.UTC().Format(time.RFC3339Nano)
	}
	if p.Key.Kind == settlement.KindManual {
		w.Amount, _ = json.Marshal(int64(p.Amounts.Settlement))
		tf := int64(p.Amounts.SettlementTaxFree)
		w.TaxFreeAmount = &tf
		return w
	}
	w.SettlementStartDateRange = &transfer.DateRange{From: p.StartFrom.String(), Until: p.StartUntil.String()}
	w.Amount, _ = json.Marshal(transfer.AmountsToWire(p.Amounts))
	return w
}

// ---- GET /platform/payouts ----

func (s *Server) listPayouts(w http.ResponseWriter, r *http.Request, body []byte) {
	var f transfer.PayoutFilter
	lr, aerr := parseList(r, body, &f)
	test, terr := testMode(r, listBody(r, body))
	if aerr == nil {
		aerr = terr
	}
	var from, until time.Time
	if aerr == nil {
		from, until, aerr = payoutRange(f.Criteria.TimestampRange)
	}
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	e := s.env(test)
	// A payout is created at the start of its settlement date: the range
	// names the dates to build.
	var dates []string
	for _, d := range e.transfers.byDate.keys {
		date, err := settlement.ParseDate(d)
		if err != nil {
			continue
		}
		start := time.Date(date.Year, date.Month, date.Day, 0, 0, 0, 0, s.loc)
		if (from.IsZero() || !start.Before(from)) && (until.IsZero() || start.Before(until)) {
			dates = append(dates, d)
		}
	}
	_, payouts := s.payoutsOf(e, dates)
	items := []transfer.Payout{}
	counts := map[string]int{
		"confirmed": 0, "prepared": 0, "cancelled": 0, "stopped": 0,
		"processing": 0, "succeeded": 0, "failed": 0, "scheduled": 0,
	}
	for _, po := range payouts {
		if !payoutAdmits(e, &f, po) {
			continue
		}
		counts[statsName(string(po.status))]++
		wp := s.payoutWire(e, po)
		for _, fn := range e.payouts.tampers {
			fn(&wp)
		}
		items = append(items, wp)
	}
	s.mu.Unlock()
	writeList(s, w, items, lr.Page, counts)
}

// payoutRange reads criteria.timestampRange (zero times: open).
func payoutRange(r *transfer.DateTimeRange) (from, until time.Time, aerr *apiError) {
	if r == nil {
		return
	}
	var err error
	if from, err = time.Parse(time.RFC3339Nano, r.From); err != nil {
		return from, until, invalidRequest("filter.criteria.timestampRange.from: " + err.Error())
	}
	if until, err = time.Parse(time.RFC3339Nano, r.Until); err != nil {
		return from, until, invalidRequest("filter.criteria.timestampRange.until: " + err.Error())
	}
	return from, until, nil
}

func payoutAdmits(e *env, f *transfer.PayoutFilter, po *poView) bool {
	c := &f.Criteria
	if !oneOf(f.Statuses, string(po.status)) || !oneOf(f.PartnerIDs, string(po.key.PartnerID)) ||
		!oneOf(f.PayoutIDs, po.id) || !oneOf(f.PayoutCurrencies, transfer.Currency(po.key.Currency)) ||
		(c.PayoutID != "" && c.PayoutID != po.id) || (c.BulkPayoutID != "" && c.BulkPayoutID != po.bulkID) {
		return false
	}
	pt := e.partners[string(po.key.PartnerID)]
	if len(f.PartnerTags) > 0 && (pt == nil || !slices.ContainsFunc(f.PartnerTags, func(t string) bool { return slices.Contains(pt.Tags, t) })) {
		return false
	}
	if len(f.PartnerTypes) > 0 && (pt == nil || !slices.Contains(f.PartnerTypes, pt.Type.Type)) {
		return false
	}
	if r := c.ScheduledTimestampRange; r != nil {
		from, until, aerr := payoutRange(r)
		if aerr != nil || po.scheduled.Before(from) || !po.scheduled.Before(until) {
			return false
		}
	}
	return true
}

func (s *Server) payoutWire(e *env, po *poView) transfer.Payout {
	w := transfer.Payout{
		ID: po.id, GraphqlID: graphqlID("PlatformPayout", po.id),
		BulkPayoutID: po.bulkID, BulkPayoutGraphqlID: graphqlID("PlatformBulkPayout", po.bulkID),
		Method: "DIRECT", Status: string(po.status), StatusUpdatedAt: po.updated.UTC().Format(time.RFC3339Nano),
		TaxInvoiceStatus: "NONE", Currency: transfer.Currency(po.key.Currency),
		CreatedAt: po.created.UTC().Format(time.RFC3339Nano), ScheduledAt: po.scheduled.UTC().Format(time.RFC3339Nano),
		FailReason: po.failReason, DeductWht: e.setting.DeductWht, SettlementAmountType: e.setting.SettlementAmountType,
		SettlementStatement: transfer.SettlementStatement{Status: "UNSENT"},
	}
	_ = json.Unmarshal(e.partnerRaw(string(po.key.PartnerID)), &w.Partner)
	if p := e.partners[string(po.key.PartnerID)]; p != nil {
		w.Account = transfer.PayoutAccount{Bank: p.Account.Bank, Number: p.Account.Number, Holder: p.Account.Holder}
	}
	transfer.PayoutAmountsToWire(&w, po.amounts)
	return w
}

// capPage applies Options.MaxPageSize to a page request.
func (s *Server) capPage(p *transfer.PageInput) *transfer.PageInput {
	if s.opts.MaxPageSize <= 0 || p == nil || p.Size == nil || *p.Size <= s.opts.MaxPageSize {
		return p
	}
	size := s.opts.MaxPageSize
	return &transfer.PageInput{Number: p.Number, Size: &size}
}

// writeList answers one page of items (the page size capped by
// MaxPageSize) with PortOne's status counts.
func writeList[T any](s *Server, w http.ResponseWriter, items []T, p *transfer.PageInput, counts map[string]int) {
	page, info, aerr := paginate(items, s.capPage(p), s.opts.DefaultPageSize)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": page, "page": info, "counts": counts})
}
