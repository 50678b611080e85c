package emulator

import (
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/settle-dev/settle/settlement"
)

// transferIndex holds one environment's transfers by every key the API
// looks them up by, so that a create costs the same at a million transfers
// as at ten and a page of a list costs what the page and its date range
// cost:
//
//   - byID: get, delete, and the id-already-used check (with retired, the
//     ids of deleted transfers: PortOne never reuses a client id);
//   - byPayment: the ORDER transfers of a payment, chained through
//     transferRec.link in creation order (one per partner, usually one),
//     for PLATFORM_TRANSFER_ALREADY_EXISTS and for a cancel that names only
//     the payment;
//   - all: creation order, the order of a list without a date range;
//   - byStart, byDate: by settlementStartDate and by settlementDate, for
//     the date-range filters.
//
// At a million transfers the garbage collector's marking was half of the
// emulator's CPU, most of it following pointers into a heap far larger
// than the caches. So the records live in slabs of slabSize and are named
// by number (recNo) in the maps, the lists and the links, which the
// collector does not follow; a record's id, payment id and body are one
// string in a shared arena (text). A slab slot is never reused: a deleted
// transfer's record stays where a cancel or a test may still point.
type transferIndex struct {
	slabs     []*[slabSize]transferRec
	n         int    // slots used
	text      []byte // the arena chunk records' strings are appended to
	byID      map[string]recNo
	retired   map[string]struct{}
	byPayment map[settlement.PaymentID]recNo
	all       []recNo
	byStart   dateIndex
	byDate    dateIndex
}

// recNo numbers a record of a transferIndex from 1; 0 is none.
type recNo uint32

const (
	slabSize  = 1024
	textChunk = 64 << 10
)

func newTransferIndex() transferIndex {
	return transferIndex{
		byID:      map[string]recNo{},
		retired:   map[string]struct{}{},
		byPayment: map[settlement.PaymentID]recNo{},
		byStart:   dateIndex{start: true, buckets: map[string]*bucket{}, names: map[int32]string{}},
		byDate:    dateIndex{buckets: map[string]*bucket{}, names: map[int32]string{}},
	}
}

// at is record n (not 0).
func (ix *transferIndex) at(n recNo) *transferRec {
	i := int(n - 1)
	return &ix.slabs[i/slabSize][i%slabSize]
}

// newRec takes a slot for transfer id of payment p (none: "") whose body
// is body (ORDER: encodeOrder; ORDER_CANCEL: encodeCancel; MANUAL:
// encodeManual). The caller fills the rest and adds it.
func (ix *transferIndex) newRec(kind kindCode, id string, p settlement.PaymentID, body string) *transferRec {
	if ix.n%slabSize == 0 {
		ix.slabs = append(ix.slabs, new([slabSize]transferRec))
	}
	ix.n++
	t := ix.at(recNo(ix.n))
	*t = transferRec{no: recNo(ix.n), kind: kind, idLen: uint32(len(id)), payLen: uint32(len(p))}
	t.data = ix.intern(id, string(p), body)
	return t
}

// intern is a, b and c as one string in the arena. The arena's bytes are
// never written again once a string covers them.
func (ix *transferIndex) intern(a, b, c string) string {
	n := len(a) + len(b) + len(c)
	if n == 0 {
		return ""
	}
	if cap(ix.text)-len(ix.text) < n {
		ix.text = make([]byte, 0, max(textChunk, n))
	}
	at := len(ix.text)
	ix.text = append(append(append(ix.text, a...), b...), c...)
	return unsafe.String(&ix.text[at], n)
}

// get is the transfer id names, or nil.
func (ix *transferIndex) get(id string) *transferRec {
	if n := ix.byID[id]; n != 0 {
		return ix.at(n)
	}
	return nil
}

// used reports whether id names a transfer, now or before it was deleted.
func (ix *transferIndex) used(id string) bool {
	if _, ok := ix.byID[id]; ok {
		return true
	}
	_, ok := ix.retired[id]
	return ok
}

func (ix *transferIndex) len() int { return len(ix.all) }

// each calls fn for every transfer in creation order.
func (ix *transferIndex) each(fn func(*transferRec)) {
	for _, n := range ix.all {
		fn(ix.at(n))
	}
}

// orderOf is an ORDER_CANCEL transfer's ORDER.
func (ix *transferIndex) orderOf(t *transferRec) *transferRec { return ix.at(t.link) }

func (ix *transferIndex) add(t *transferRec) {
	ix.byID[t.id()] = t.no
	ix.all = append(ix.all, t.no)
	if t.chained() {
		t.link = 0
		head := ix.byPayment[t.paymentID()]
		if head == 0 {
			ix.byPayment[t.paymentID()] = t.no
		} else {
			h := ix.at(head)
			for h.link != 0 {
				h = ix.at(h.link)
			}
			h.link = t.no
		}
	}
	ix.byStart.add(t)
	ix.byDate.add(t)
}

// remove takes t out of every index; retire keeps its id used.
func (ix *transferIndex) remove(t *transferRec, retire bool) {
	if ix.byID[t.id()] == t.no {
		delete(ix.byID, t.id())
	}
	if retire {
		ix.retired[strings.Clone(t.id())] = struct{}{}
	}
	if i := slices.Index(ix.all, t.no); i >= 0 {
		ix.all = slices.Delete(ix.all, i, i+1)
	}
	if t.chained() {
		switch head := ix.byPayment[t.paymentID()]; {
		case head == t.no && t.link == 0:
			delete(ix.byPayment, t.paymentID())
		case head == t.no:
			ix.byPayment[t.paymentID()] = t.link
		case head != 0:
			for p := ix.at(head); p.link != 0; p = ix.at(p.link) {
				if p.link == t.no {
					p.link = t.link
					break
				}
			}
		}
		t.link = 0
	}
	ix.byStart.remove(t)
	ix.byDate.remove(t)
}

// regroup re-files t in the date indexes around change, which alters how
// its status is decided (ForceStatus).
func (ix *transferIndex) regroup(t *transferRec, change func()) {
	ix.byStart.remove(t)
	ix.byDate.remove(t)
	change()
	ix.byStart.add(t)
	ix.byDate.add(t)
}

// chained reports whether t is in byPayment: an ORDER transfer (injected
// ones included) with a payment.
func (t *transferRec) chained() bool {
	return t.kindName() == settlement.KindOrder && t.paymentID() != ""
}

// orders returns the ORDER transfers of payment p in creation order,
// injected ones included.
func (ix *transferIndex) orders(p settlement.PaymentID) []*transferRec {
	var out []*transferRec
	for n := ix.byPayment[p]; n != 0; n = ix.at(n).link {
		out = append(out, ix.at(n))
	}
	return out
}

// dateIndex files transfers by one of their dates (the key) in buckets; a
// bucket files them in groups of the same other date and kind, so that a
// status or type filter takes or skips a whole group at once: a transfer's
// status follows from its two dates and the clock. Transfers whose status
// does not (forced or injected) are "irregular" and are looked at one by one.
type dateIndex struct {
	start   bool     // keyed by settlementStartDate (else by settlementDate)
	keys    []string // sorted
	buckets map[string]*bucket
	names   map[int32]string // date strings, made once per date
}

type bucket struct {
	groups []*group // sorted by groupKey
}

type groupKey struct {
	other     string
	kind      settlement.Kind
	irregular bool
}

func (a groupKey) compare(b groupKey) int {
	if c := strings.Compare(a.other, b.other); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.kind), string(b.kind)); c != 0 {
		return c
	}
	switch {
	case a.irregular == b.irregular:
		return 0
	case !a.irregular:
		return -1
	}
	return 1
}

type group struct {
	groupKey
	start, date int32 // regular groups: the dates of every member
	recs        []recNo
}

// name is packed date d as PortOne writes it ("" for none).
func (di *dateIndex) name(d int32) string {
	if d == 0 {
		return ""
	}
	if s, ok := di.names[d]; ok {
		return s
	}
	s := unpackDate(d).String()
	di.names[d] = s
	return s
}

// keys returns t's key in di and its group.
func (di *dateIndex) keyOf(t *transferRec) (string, groupKey) {
	var start, date string
	if inj := t.injectedWire(); inj != nil {
		start, date = inj.SettlementStartDate, inj.SettlementDate
	} else {
		start, date = di.name(t.start), di.name(t.date)
	}
	g := groupKey{kind: t.kindName(), irregular: t.irregular()}
	if di.start {
		g.other = date
		return start, g
	}
	g.other = start
	return date, g
}

func (di *dateIndex) add(t *transferRec) {
	key, gk := di.keyOf(t)
	b := di.buckets[key]
	if b == nil {
		b = &bucket{}
		di.buckets[key] = b
		i, _ := slices.BinarySearch(di.keys, key)
		di.keys = slices.Insert(di.keys, i, key)
	}
	i, found := slices.BinarySearchFunc(b.groups, gk, func(g *group, k groupKey) int { return g.compare(k) })
	if !found {
		b.groups = slices.Insert(b.groups, i, &group{groupKey: gk, start: t.start, date: t.date})
	}
	g := b.groups[i]
	g.recs = append(g.recs, t.no)
}

func (di *dateIndex) remove(t *transferRec) {
	key, gk := di.keyOf(t)
	b := di.buckets[key]
	if b == nil {
		return
	}
	i, found := slices.BinarySearchFunc(b.groups, gk, func(g *group, k groupKey) int { return g.compare(k) })
	if !found {
		return
	}
	g := b.groups[i]
	for j := len(g.recs) - 1; j >= 0; j-- {
		if g.recs[j] == t.no {
			g.recs = slices.Delete(g.recs, j, j+1)
			break
		}
	}
	if len(g.recs) > 0 {
		return
	}
	b.groups = slices.Delete(b.groups, i, i+1)
	if len(b.groups) > 0 {
		return
	}
	delete(di.buckets, key)
	if k, ok := slices.BinarySearch(di.keys, key); ok {
		di.keys = slices.Delete(di.keys, k, k+1)
	}
}

// each calls fn for every group whose key is in r, in index order, until fn
// returns false. A nil r is every key.
func (di *dateIndex) each(r *dateRange, fn func(*group) bool) {
	i := 0
	if r != nil {
		i = sort.SearchStrings(di.keys, r.From)
	}
	for ; i < len(di.keys); i++ {
		k := di.keys[i]
		if r != nil && r.Until != "" && k > r.Until {
			return
		}
		for _, g := range di.buckets[k].groups {
			if !fn(g) {
				return
			}
		}
	}
}

// pager collects one page while counting every match.
type pager[T any] struct {
	skip, size int
	total      int
	page       []T
}

// take counts recs, all of which match, and keeps those on the page.
func (p *pager[T]) take(recs []T) {
	n := len(recs)
	p.total += n
	if p.skip >= n {
		p.skip -= n
		return
	}
	recs = recs[p.skip:]
	p.skip = 0
	if need := p.size - len(p.page); need > 0 {
		p.page = append(p.page, recs[:min(need, len(recs))]...)
	}
}

// takeOne counts t, which matches, and keeps it if it is on the page; it
// reports whether it kept it.
func (p *pager[T]) takeOne(t T) bool {
	p.total++
	switch {
	case p.skip > 0:
		p.skip--
	case len(p.page) < p.size:
		p.page = append(p.page, t)
		return true
	}
	return false
}

// rangeOf is the filter's date range and the index that serves it, or nils.
func (ix *transferIndex) rangeOf(f *transferFilter) (*dateIndex, *dateRange) {
	switch {
	case f.SettlementStartDateRange != nil:
		return &ix.byStart, f.SettlementStartDateRange
	case f.SettlementDateRange != nil:
		return &ix.byDate, f.SettlementDateRange
	}
	return nil, nil
}

// indexed reports whether the index alone decides f: date range, types and
// statuses, nothing else.
func (f *transferFilter) indexed() bool {
	return len(f.PartnerTags) == 0 && len(f.ContractIDs) == 0 && len(f.DiscountSharePolicyIDs) == 0 &&
		len(f.AdditionalFeePolicyIDs) == 0 && len(f.PaymentMethodTypes) == 0 && len(f.ChannelKeys) == 0 &&
		len(f.PartnerIDs) == 0 && f.UserDefinedProperty == nil && f.Keyword == nil
}

// admits reports whether f's types and statuses admit a transfer of kind k
// in status st.
func (f *transferFilter) admits(k settlement.Kind, st settlement.TransferStatus) bool {
	return oneOf(f.Types, string(k)) && oneOf(f.Statuses, string(st))
}

// indexedPage serves a filter for which f.indexed() holds: page skip..skip+size
// of the matches and their count. In a date range, whole groups are taken or
// skipped by their length: the cost is the page plus the groups in the
// range. Without a date range the order is creation order and a type or
// status filter looks at each transfer (cheaply: no rendering).
func (ix *transferIndex) indexedPage(f *transferFilter, today int32, skip, size int) ([]*transferRec, int) {
	p := pager[recNo]{skip: skip, size: size}
	di, r := ix.rangeOf(f)
	switch {
	case di == nil && len(f.Types) == 0 && len(f.Statuses) == 0:
		p.take(ix.all)
	case di == nil:
		for _, n := range ix.all {
			if t := ix.at(n); f.admits(t.kindName(), t.status(today)) {
				p.takeOne(n)
			}
		}
	default:
		di.each(r, func(g *group) bool {
			if !g.irregular {
				if f.admits(g.kind, statusAt(today, g.start, g.date)) {
					p.take(g.recs)
				}
				return true
			}
			for _, n := range g.recs {
				if t := ix.at(n); f.admits(t.kindName(), t.status(today)) {
					p.takeOne(n)
				}
			}
			return true
		})
	}
	page := make([]*transferRec, len(p.page))
	for i, n := range p.page {
		page[i] = ix.at(n)
	}
	return page, p.total
}

// candidates calls fn for each transfer a filter with predicates beyond
// the index must look at, in the order of the list: the date range's
// transfers in index order, or every transfer in creation order. With
// tampers every transfer is a candidate, because a tamper may move one
// into the range.
func (ix *transferIndex) candidates(f *transferFilter, tampered bool, fn func(*transferRec)) {
	di, r := ix.rangeOf(f)
	if di == nil || tampered {
		ix.each(fn)
		return
	}
	di.each(r, func(g *group) bool {
		for _, n := range g.recs {
			fn(ix.at(n))
		}
		return true
	})
}
