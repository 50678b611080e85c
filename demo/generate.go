package demo

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// ordersPerDay is the number of orders the generator draws for each day of
// the week, Monday to Sunday: 2,000 in all, busier before the 개천절 long
// weekend (scripted.go adds two of its own).
var ordersPerDay = [7]int{270, 280, 290, 310, 300, 280, 270}

// hourWeights is how the orders of a day spread over its hours (Asia/Seoul):
// quiet at night, a lunch peak and an evening peak.
var hourWeights = [24]int{4, 2, 1, 1, 1, 1, 2, 4, 6, 7, 8, 9, 12, 11, 9, 9, 9, 9, 10, 11, 13, 14, 12, 7}

// How many orders get which cancellations. Partial cancels are by
// orderLines for line orders and by orderAmount for amount orders.
const (
	nPartialOnce      = 142 // one partial cancel
	nPartialTwice     = 12  // a partial cancel, then a second one that takes the rest
	nPartialThenAll   = 6   // a partial cancel, then orderDetail.all
	nFull             = 74  // orderDetail.all only
	pctExternal       = 30  // share of orders with externalPaymentDetail
	minCancelDelay    = 15 * time.Minute
	cancelWindowGuard = 4 * time.Hour // orders paid later than this before the week's end are not cancelled
)

var cancelReasons = []string{"고객 변심", "품절", "배송 지연", "주문 실수", "상품 불량", "옵션 변경"}

// gen is one run of the generator; rng is its only source of randomness.
type gen struct {
	rng     *rand.Rand
	sellers []*seller
	terms   map[string]settlement.Terms
	orders  []*orderState
}

// disc is what remains of one discount (one policy in one scope).
type disc struct {
	policy          string
	amount, taxFree int64
}

type lineState struct {
	p         product
	qty       int64 // remaining
	discounts []disc
}

type orderState struct {
	s      *seller
	paidAt time.Time
	body   transfer.CreateOrderTransferBody
	book   *settlement.Book

	lines          []lineState // line orders
	amount, taxTF  int64       // amount orders: remaining order and tax-free amounts
	hadTaxFree     bool        // amount orders: taxFreeAmount was sent
	orderDiscounts []disc      // order-level, remaining

	cancels int // cancellation records so far
}

type cancelRec struct {
	at   time.Time
	body transfer.CreateOrderCancelTransferBody
}

// Generate builds the sample marketplace and its records from seed. The
// same seed gives the same bytes. Every record of orders is checked with
// the settlement engine before it is written, and every record of bad is
// checked to be refused.
func Generate(seed uint64) (marketplace, orders, bad []byte, err error) {
	g := &gen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), sellers: sellers()}

	seedData, err := g.seedData()
	if err != nil {
		return nil, nil, nil, err
	}
	marketplace, err = json.MarshalIndent(seedData, "", "  ")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("marketplace: %w", err)
	}
	marketplace = append(marketplace, '\n')
	chk, err := newChecker(seedData, seoul)
	if err != nil {
		return nil, nil, nil, err
	}
	g.terms = chk.terms

	if err := g.genOrders(); err != nil {
		return nil, nil, nil, err
	}
	cancels, err := g.genCancels()
	if err != nil {
		return nil, nil, nil, err
	}

	all, cancels := withScripted(g.orders, cancels)
	var buf bytes.Buffer
	for _, o := range all {
		if err := writeRecord(&buf, "paidAt", o.at, o.body); err != nil {
			return nil, nil, nil, err
		}
	}
	for _, c := range cancels {
		if err := writeRecord(&buf, "cancelledAt", c.at, c.body); err != nil {
			return nil, nil, nil, err
		}
	}
	orders = buf.Bytes()

	bad, err = g.genBad()
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := Verify(marketplace, orders, bad); err != nil {
		return nil, nil, nil, err
	}
	return marketplace, orders, bad, nil
}

func (g *gen) seedData() (emulator.SeedData, error) {
	d := emulator.SeedData{
		Contracts:             contracts(),
		DiscountSharePolicies: discountSharePolicies(),
		AdditionalFeePolicies: additionalFeePolicies(),
		// deductWht: the WHT_PAYER partners are withheld 3.3 % at payout.
		// settlementAmountType NET, PortOne's one platform-wide setting: the
		// taxable businesses (일반·간이 과세) are paid their settlement plus
		// 10 % VAT on its taxable part; it does not touch the tax-free
		// bookshop or the individuals (issue #15, portone-platform.md §6.7).
		Setting: json.RawMessage(`{"adjustSettlementDateAfterHolidayIfEarlier":false,"supportsMultipleOrderTransfersPerPartner":false,"deductWht":true,"settlementAmountType":"NET"}`),
	}
	partners := make([]transfer.CreatePartnerBody, 0, len(g.sellers)+1)
	for _, s := range g.sellers {
		partners = append(partners, s.partner)
	}
	for _, p := range append(partners, scriptedSellers()...) {
		raw, err := json.Marshal(p)
		if err != nil {
			return d, fmt.Errorf("partner %s: %w", p.ID, err)
		}
		d.Partners = append(d.Partners, raw)
	}
	return d, nil
}

// writeRecord writes body as one JSON line with the instant field first.
func writeRecord(buf *bytes.Buffer, field string, at time.Time, body any) error {
	return writeRecordText(buf, field, at.Format(time.RFC3339), body)
}

// writeRecordText is writeRecord with the instant's text as given.
func writeRecordText(buf *bytes.Buffer, field, value string, body any) error {
	js, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	fmt.Fprintf(buf, `{%q:%q,`, field, value)
	buf.Write(js[1:])
	buf.WriteByte('\n')
	return nil
}

// ---- random helpers ----

func (g *gen) pct(p int) bool { return g.rng.IntN(100) < p }

func (g *gen) weighted(ws []int) int {
	total := 0
	for _, w := range ws {
		total += w
	}
	n := g.rng.IntN(total)
	for i, w := range ws {
		if n < w {
			return i
		}
		n -= w
	}
	return len(ws) - 1
}

// between returns a random integer in [lo, hi].
func (g *gen) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + g.rng.Int64N(hi-lo+1)
}

func (g *gen) sharePolicy() string {
	return []string{dspPlatform, dspShared, dspPartner}[g.weighted([]int{45, 30, 25})]
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// newDiscount is a discount of amount d on a scope whose payment is base
// with tax-free part baseTF: its tax-free part is d's share of baseTF,
// rounded up, so that the taxable part of the discount never exceeds the
// taxable base.
func newDiscount(policy string, d, base, baseTF int64) transfer.DiscountInput {
	in := transfer.DiscountInput{SharePolicyID: policy, Amount: d}
	if baseTF > 0 && base > 0 {
		tf := ceilDiv(d*baseTF, base)
		in.TaxFreeAmount = &tf
	}
	return in
}

func discState(ds []transfer.DiscountInput) []disc {
	out := make([]disc, 0, len(ds))
	for _, d := range ds {
		var tf int64
		if d.TaxFreeAmount != nil {
			tf = *d.TaxFreeAmount
		}
		out = append(out, disc{policy: d.SharePolicyID, amount: d.Amount, taxFree: tf})
	}
	return out
}

// couponOrPercent is a discount on base: a round coupon or a percentage
// (which gives uneven amounts), at most half of base.
func (g *gen) couponOrPercent(base int64, coupons []int64) int64 {
	var d int64
	if g.pct(50) {
		d = coupons[g.rng.IntN(len(coupons))]
	} else {
		d = base * int64([]int{3, 5, 7, 10, 15}[g.rng.IntN(5)]) / 100
	}
	return min(d, base/2)
}

// ---- orders ----

func (g *gen) genOrders() error {
	from, _ := Week()
	weights := make([]int, len(g.sellers))
	for i, s := range g.sellers {
		weights[i] = s.weight
	}
	for day, n := range ordersPerDay {
		date := from.AddDays(day)
		midnight := date.Time(seoul)
		times := make([]time.Time, n)
		for i := range times {
			h := g.weighted(hourWeights[:])
			sec := g.rng.IntN(3600)
			times[i] = midnight.Add(time.Duration(h)*time.Hour + time.Duration(sec)*time.Second)
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		for i, at := range times {
			s := g.sellers[g.weighted(weights)]
			id := fmt.Sprintf("pay-%04d%02d%02d-%04d", date.Year, int(date.Month), date.Day, i+1)
			o, err := g.newOrder(s, id, at)
			if err != nil {
				return err
			}
			g.orders = append(g.orders, o)
		}
	}
	return nil
}

func (g *gen) newOrder(s *seller, id string, at time.Time) (*orderState, error) {
	o := &orderState{s: s, paidAt: at}
	b := &o.body
	b.PartnerID, b.PaymentID = s.partner.ID, id
	b.Discounts, b.AdditionalFees = []transfer.DiscountInput{}, []transfer.AdditionalFeeInput{}

	var total, totalTF, lineDisc, lineDiscTF int64
	orderName := s.amountName
	if len(s.products) > 0 && g.pct(s.linePct) {
		n := 1 + g.weighted([]int{45, 30, 15, 10})
		n = min(n, len(s.products))
		for _, pi := range g.rng.Perm(len(s.products))[:n] {
			p := s.products[pi]
			q := 1 + int64(g.weighted([]int{70, 18, 7, 3, 2}[:min(int(s.maxQty), 5)]))
			base, baseTF := p.price*q, p.taxFree*q
			l := transfer.OrderLineInput{
				Product:        transfer.ProductInput{ID: p.id, Name: p.name, Amount: p.price, Tag: p.tag},
				Quantity:       q,
				Discounts:      []transfer.DiscountInput{},
				AdditionalFees: []transfer.AdditionalFeeInput{},
			}
			if p.taxFree > 0 {
				l.Product.TaxFreeAmount = i64(p.taxFree)
			}
			if g.pct(s.lineDiscountPct) {
				d := g.couponOrPercent(base, []int64{500 * q, 1_000 * q, 2_000 * q})
				l.Discounts = append(l.Discounts, newDiscount(g.sharePolicy(), d, base, baseTF))
				if g.pct(12) { // a second discount of another policy on the same line
					pol := g.sharePolicy()
					if pol != l.Discounts[0].SharePolicyID {
						d2 := min(base*int64(3+g.rng.IntN(5))/100, (base-d)/2)
						if d2 > 0 {
							l.Discounts = append(l.Discounts, newDiscount(pol, d2, base, baseTF))
						}
					}
				}
			}
			if g.pct(s.adLinePct) {
				l.AdditionalFees = append(l.AdditionalFees, transfer.AdditionalFeeInput{PolicyID: afpAd})
			}
			for _, d := range l.Discounts {
				lineDisc += d.Amount
				if d.TaxFreeAmount != nil {
					lineDiscTF += *d.TaxFreeAmount
				}
			}
			total += base
			totalTF += baseTF
			b.OrderDetail.OrderLines = append(b.OrderDetail.OrderLines, l)
			o.lines = append(o.lines, lineState{p: p, qty: q, discounts: discState(l.Discounts)})
		}
		first := b.OrderDetail.OrderLines[0].Product.Name
		if n > 1 {
			orderName = fmt.Sprintf("%s 외 %d건", first, n-1)
		} else {
			orderName = first
		}
	} else {
		total = g.between(s.amountLo/10, s.amountHi/10) * 10
		if lo, hi := s.amountTaxFreePct[0], s.amountTaxFreePct[1]; hi > 0 {
			p := lo + g.rng.IntN(hi-lo+1)
			totalTF = total * int64(p) / 100 / 10 * 10
			if p == 100 {
				totalTF = total
			}
		}
		b.OrderDetail.OrderAmount = i64(total)
		if totalTF > 0 {
			b.TaxFreeAmount = i64(totalTF)
			o.hadTaxFree = true
		}
		o.amount, o.taxTF = total, totalTF
	}

	if g.pct(s.orderDiscountPct) {
		pay, payTF := total-lineDisc, totalTF-lineDiscTF
		d := g.couponOrPercent(pay, []int64{1_000, 2_000, 3_000, 5_000})
		if d > 0 {
			b.Discounts = append(b.Discounts, newDiscount(g.sharePolicy(), d, pay, payTF))
		}
	}
	o.orderDiscounts = discState(b.Discounts)
	if g.pct(s.pgPct) {
		b.AdditionalFees = append(b.AdditionalFees, transfer.AdditionalFeeInput{PolicyID: afpPG})
	}
	if g.pct(s.shipPct) {
		b.AdditionalFees = append(b.AdditionalFees, transfer.AdditionalFeeInput{PolicyID: afpShipping})
	}
	if g.pct(s.adOrderPct) {
		b.AdditionalFees = append(b.AdditionalFees, transfer.AdditionalFeeInput{PolicyID: afpAd})
	}
	if g.pct(pctExternal) {
		b.ExternalPaymentDetail = &transfer.ExternalPaymentDetail{Currency: "KRW", OrderName: orderName, PaidAt: at.Format(time.RFC3339)}
	}

	ord, err := b.Order(at, seoul)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", id, err)
	}
	book, err := settlement.NewBook(ord, g.terms[s.partner.DefaultContractID])
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", id, err)
	}
	o.book = book
	return o, nil
}

// ---- cancellations ----

// weekEnd is the first instant after the week.
func weekEnd() time.Time {
	_, to := Week()
	return to.AddDays(1).Time(seoul)
}

// partialOK reports whether o can be cancelled in part.
func (o *orderState) partialOK() bool {
	if o.lines == nil {
		return o.amount >= 1_000
	}
	var units int64
	for _, l := range o.lines {
		units += l.qty
	}
	return units >= 2
}

func (o *orderState) remainingLinesAmount() int64 {
	var t int64
	for _, l := range o.lines {
		t += l.qty * l.p.price
	}
	return t
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// at picks an instant in [lo, hi], whole seconds.
func (g *gen) at(lo, hi time.Time) time.Time {
	span := hi.Sub(lo)
	if span <= 0 {
		return lo
	}
	return lo.Add(time.Duration(g.rng.Int64N(int64(span/time.Second)+1)) * time.Second)
}

func (g *gen) genCancels() ([]cancelRec, error) {
	end := weekEnd().Add(-time.Minute)
	var eligible []*orderState
	for _, o := range g.orders {
		if o.paidAt.Before(weekEnd().Add(-cancelWindowGuard)) {
			eligible = append(eligible, o)
		}
	}
	g.rng.Shuffle(len(eligible), func(i, j int) { eligible[i], eligible[j] = eligible[j], eligible[i] })

	type plan struct {
		kind string
		n    int
	}
	plans := []plan{{"twice", nPartialTwice}, {"thenAll", nPartialThenAll}, {"once", nPartialOnce}, {"full", nFull}}
	var out []cancelRec
	next := 0
	for _, p := range plans {
		for done := 0; done < p.n; {
			if next >= len(eligible) {
				return nil, fmt.Errorf("ran out of orders to cancel (%s)", p.kind)
			}
			o := eligible[next]
			next++
			if p.kind != "full" && !o.partialOK() {
				continue
			}
			latest := earliest(o.paidAt.Add(72*time.Hour), end)
			var recs []cancelRec
			var ok bool
			switch p.kind {
			case "full":
				recs = []cancelRec{g.cancelAll(o, g.at(o.paidAt.Add(minCancelDelay), latest))}
				if ok = g.apply(o, recs[0]); !ok {
					o.cancels--
				}
			case "once":
				var r cancelRec
				r, ok = g.partial(o, g.at(o.paidAt.Add(minCancelDelay), latest))
				recs = []cancelRec{r}
			case "twice", "thenAll":
				mid := o.paidAt.Add(minCancelDelay + latest.Sub(o.paidAt.Add(minCancelDelay))/2)
				t1 := g.at(o.paidAt.Add(minCancelDelay), mid)
				var r1 cancelRec
				if r1, ok = g.partial(o, t1); !ok {
					break
				}
				t2 := g.at(t1.Add(10*time.Minute), earliest(t1.Add(48*time.Hour), end))
				var r2 cancelRec
				if p.kind == "thenAll" {
					r2 = g.cancelAll(o, t2)
				} else {
					r2 = g.rest(o, t2)
				}
				if !g.apply(o, r2) {
					return nil, fmt.Errorf("%s: the cancel of the rest was refused", o.body.PaymentID)
				}
				recs = []cancelRec{r1, r2}
			}
			if !ok {
				if o.cancels > 0 {
					return nil, fmt.Errorf("%s: half-applied cancels", o.body.PaymentID)
				}
				continue
			}
			out = append(out, recs...)
			done++
		}
	}
	slices.SortFunc(out, func(a, b cancelRec) int {
		return cmp.Or(a.at.Compare(b.at), strings.Compare(a.body.CancellationID, b.body.CancellationID))
	})
	return out, nil
}

func (g *gen) newCancel(o *orderState, at time.Time) cancelRec {
	o.cancels++
	b := transfer.CreateOrderCancelTransferBody{
		PartnerID: o.body.PartnerID, PaymentID: o.body.PaymentID,
		CancellationID: fmt.Sprintf("cxl-%s-%d", strings.TrimPrefix(o.body.PaymentID, "pay-"), o.cancels),
		Memo:           cancelReasons[g.rng.IntN(len(cancelReasons))],
		Discounts:      []transfer.DiscountInput{},
	}
	if o.body.ExternalPaymentDetail != nil {
		b.ExternalCancellationDetail = &transfer.ExternalCancellationDetail{CancelledAt: at.Format(time.RFC3339)}
	}
	return cancelRec{at: at, body: b}
}

// apply runs r through o's book; the book is unchanged when it refuses.
func (g *gen) apply(o *orderState, r cancelRec) bool {
	c, err := r.body.Cancellation(r.at, seoul)
	if err != nil {
		return false
	}
	_, err = o.book.Cancel(c)
	return err == nil
}

func (g *gen) cancelAll(o *orderState, at time.Time) cancelRec {
	r := g.newCancel(o, at)
	r.body.OrderDetail = &transfer.CancelOrderDetailInput{All: &struct{}{}}
	return r
}

// part is share num/den of a remaining discount, rounded down.
func part(d disc, num, den int64) transfer.DiscountInput {
	in := transfer.DiscountInput{SharePolicyID: d.policy, Amount: d.amount * num / den}
	if d.taxFree > 0 {
		tf := d.taxFree * num / den
		in.TaxFreeAmount = &tf
	}
	return in
}

func whole(d disc) transfer.DiscountInput { return part(d, 1, 1) }

func nonZero(ds []transfer.DiscountInput) []transfer.DiscountInput {
	out := []transfer.DiscountInput{}
	for _, d := range ds {
		if d.Amount > 0 {
			out = append(out, d)
		}
	}
	return out
}

// take subtracts the named discount parts from the remaining ones.
func take(rem []disc, named []transfer.DiscountInput) {
	for _, n := range named {
		for i := range rem {
			if rem[i].policy == n.SharePolicyID {
				rem[i].amount -= n.Amount
				if n.TaxFreeAmount != nil {
					rem[i].taxFree -= *n.TaxFreeAmount
				}
			}
		}
	}
}

// partial builds a partial cancel of o at the given instant, tries it on
// the book and, when accepted, records what it took. It tries a few random
// shapes before giving up.
func (g *gen) partial(o *orderState, at time.Time) (cancelRec, bool) {
	for range 6 {
		var r cancelRec
		var commit func()
		if o.lines != nil {
			r, commit = g.partialLines(o, at)
		} else {
			r, commit = g.partialAmount(o, at)
		}
		if commit == nil {
			o.cancels--
			continue
		}
		if g.apply(o, r) {
			commit()
			return r, true
		}
		o.cancels--
	}
	return cancelRec{}, false
}

func (g *gen) partialLines(o *orderState, at time.Time) (cancelRec, func()) {
	r := g.newCancel(o, at)
	var live []int
	var units int64
	for i, l := range o.lines {
		if l.qty > 0 {
			live = append(live, i)
			units += l.qty
		}
	}
	g.rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	k := 1 + g.rng.IntN(min(len(live), 2))
	qty := map[int]int64{}
	var taken int64
	for _, i := range live[:k] {
		q := g.between(1, o.lines[i].qty)
		qty[i] = q
		taken += q
	}
	if taken == units {
		return r, nil // that would be everything
	}
	nameParts := g.pct(80)
	var cancelled int64
	var lines []transfer.CancelOrderLineInput
	for _, i := range live[:k] {
		l := o.lines[i]
		q := qty[i]
		cl := transfer.CancelOrderLineInput{ProductID: l.p.id, Quantity: q, Discounts: []transfer.DiscountInput{}}
		for _, d := range l.discounts {
			switch {
			case q == l.qty:
				cl.Discounts = append(cl.Discounts, whole(d))
			case nameParts:
				cl.Discounts = append(cl.Discounts, part(d, q, l.qty))
			}
		}
		cl.Discounts = nonZero(cl.Discounts)
		cancelled += q * l.p.price
		lines = append(lines, cl)
	}
	remOrder := o.remainingLinesAmount()
	if nameParts {
		for _, d := range o.orderDiscounts {
			r.body.Discounts = append(r.body.Discounts, part(d, cancelled, remOrder))
		}
		r.body.Discounts = nonZero(r.body.Discounts)
	}
	slices.SortFunc(lines, func(a, b transfer.CancelOrderLineInput) int { return strings.Compare(a.ProductID, b.ProductID) })
	r.body.OrderDetail = &transfer.CancelOrderDetailInput{OrderLines: lines}
	return r, func() {
		for _, cl := range lines {
			for i := range o.lines {
				if o.lines[i].p.id == cl.ProductID {
					o.lines[i].qty -= cl.Quantity
					take(o.lines[i].discounts, cl.Discounts)
				}
			}
		}
		take(o.orderDiscounts, r.body.Discounts)
	}
}

func (g *gen) partialAmount(o *orderState, at time.Time) (cancelRec, func()) {
	r := g.newCancel(o, at)
	x := o.amount * int64(10+g.rng.IntN(61)) / 100 / 10 * 10
	if x <= 0 || x >= o.amount {
		return r, nil
	}
	var tf int64
	switch {
	case o.taxTF == o.amount:
		tf = x
	case o.taxTF > 0:
		tf = o.taxTF * x / o.amount
	}
	if o.hadTaxFree {
		r.body.TaxFreeAmount = i64(tf)
	}
	if g.pct(85) {
		for _, d := range o.orderDiscounts {
			r.body.Discounts = append(r.body.Discounts, part(d, x, o.amount))
		}
		r.body.Discounts = nonZero(r.body.Discounts)
	}
	r.body.OrderDetail = &transfer.CancelOrderDetailInput{OrderAmount: i64(x)}
	return r, func() {
		o.amount -= x
		o.taxTF -= tf
		take(o.orderDiscounts, r.body.Discounts)
	}
}

// rest builds the cancel that takes everything o has left, in the form of
// the order (lines or amount), naming every remaining discount part.
func (g *gen) rest(o *orderState, at time.Time) cancelRec {
	r := g.newCancel(o, at)
	if o.lines != nil {
		var lines []transfer.CancelOrderLineInput
		for _, l := range o.lines {
			if l.qty == 0 {
				continue
			}
			cl := transfer.CancelOrderLineInput{ProductID: l.p.id, Quantity: l.qty, Discounts: []transfer.DiscountInput{}}
			for _, d := range l.discounts {
				cl.Discounts = append(cl.Discounts, whole(d))
			}
			cl.Discounts = nonZero(cl.Discounts)
			lines = append(lines, cl)
		}
		r.body.OrderDetail = &transfer.CancelOrderDetailInput{OrderLines: lines}
	} else {
		r.body.OrderDetail = &transfer.CancelOrderDetailInput{OrderAmount: i64(o.amount)}
		if o.hadTaxFree {
			r.body.TaxFreeAmount = i64(o.taxTF)
		}
	}
	for _, d := range o.orderDiscounts {
		r.body.Discounts = append(r.body.Discounts, whole(d))
	}
	r.body.Discounts = nonZero(r.body.Discounts)
	return r
}
