package settlement

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Partner settlements and payouts (portone-platform.md §3.9, §5
// "Partner-settlement aggregation", §6.7, §8.3): what a partner receives,
// one step past its transfers. The rules are in doc.go under "Payouts".

// Currency is a settlement currency, PortOne's Currency (ISO 4217).
// Settlements and payouts of different currencies are never added.
type Currency string

// KRW is the Korean won, the currency every Won amount is in.
const KRW Currency = "KRW"

// PartnerSettlementStatus is PortOne's PlatformPartnerSettlementStatus. PortOne
// may add values; an unknown one is kept as it came.
type PartnerSettlementStatus string

// The partner settlement statuses PortOne documents.
const (
	SettlementPayoutPrepared  PartnerSettlementStatus = "PAYOUT_PREPARED"  // 지급 예정: waiting for a payout
	SettlementPayoutScheduled PartnerSettlementStatus = "PAYOUT_SCHEDULED" // 지급 예약: in a scheduled payout
	SettlementInPayout        PartnerSettlementStatus = "IN_PAYOUT"        // 지급 중
	SettlementPaidOut         PartnerSettlementStatus = "PAID_OUT"         // 지급 완료
	SettlementPayoutWithheld  PartnerSettlementStatus = "PAYOUT_WITHHELD"  // 지급 보류
	SettlementPayoutExcluded  PartnerSettlementStatus = "PAYOUT_EXCLUDED"  // 지급 제외 (since 2026-03)
	SettlementPayoutFailed    PartnerSettlementStatus = "PAYOUT_FAILED"    // 지급 실패
	SettlementCancelled       PartnerSettlementStatus = "CANCELLED"        // 지급 취소
	SettlementConfirmed       PartnerSettlementStatus = "CONFIRMED"        // 지급 확정
)

// Open reports whether a partner settlement in status s still takes new
// transfers of its key. PortOne documents only that a key whose settlement
// is PAYOUT_FAILED or PAYOUT_WITHHELD starts a new one; a settlement that is
// in a payout (scheduled, in payout, paid out, confirmed), excluded or
// cancelled cannot change under it either, so only one waiting for a payout
// (PAYOUT_PREPARED, or "" for one we expect) is open [derived]. An unknown
// status is not open: a new settlement is the safe reading.
func (s PartnerSettlementStatus) Open() bool { return s == "" || s == SettlementPayoutPrepared }

// NeedsAttention reports whether the money of a settlement in status s is
// stopped short of the partner: withheld, excluded, or its payout failed.
func (s PartnerSettlementStatus) NeedsAttention() bool {
	return s == SettlementPayoutWithheld || s == SettlementPayoutExcluded || s == SettlementPayoutFailed
}

// PayoutStatus is PortOne's PlatformPayoutStatus; unknown values are kept.
type PayoutStatus string

// The payout statuses PortOne documents.
const (
	PayoutPrepared   PayoutStatus = "PREPARED"
	PayoutScheduled  PayoutStatus = "SCHEDULED"
	PayoutConfirmed  PayoutStatus = "CONFIRMED"
	PayoutProcessing PayoutStatus = "PROCESSING"
	PayoutSucceeded  PayoutStatus = "SUCCEEDED"
	PayoutFailed     PayoutStatus = "FAILED"
	PayoutStopped    PayoutStatus = "STOPPED"
	PayoutCancelled  PayoutStatus = "CANCELLED"
)

// NeedsAttention reports whether a payout in status s did not, and will
// not by itself, reach the partner: failed, stopped or cancelled.
func (s PayoutStatus) NeedsAttention() bool {
	return s == PayoutFailed || s == PayoutStopped || s == PayoutCancelled
}

// SettlementKey is how PortOne groups transfers into partner settlements:
// partner, contract, transfer type, settlement date and settlement currency
// (§5). It is not unique: since 2026-03 two pending settlements of one key
// may coexist, and a key whose settlement failed or was withheld starts a
// new one.
type SettlementKey struct {
	PartnerID      PartnerID
	ContractID     string // "" for MANUAL, which has no contract
	Kind           Kind
	SettlementDate Date
	Currency       Currency
}

// String names the key in messages.
func (k SettlementKey) String() string {
	c := k.ContractID
	if c == "" {
		c = "-"
	}
	return fmt.Sprintf("%s/%s/%s/%s/%s", k.PartnerID, c, k.Kind, k.SettlementDate, k.Currency)
}

// Compare orders keys by partner, settlement date, kind, contract and
// currency: the order of every list of settlements this package returns.
func (k SettlementKey) Compare(o SettlementKey) int {
	return cmp.Or(
		cmp.Compare(k.PartnerID, o.PartnerID),
		k.SettlementDate.Compare(o.SettlementDate),
		cmp.Compare(kindRank(k.Kind), kindRank(o.Kind)),
		cmp.Compare(k.Kind, o.Kind),
		cmp.Compare(k.ContractID, o.ContractID),
		cmp.Compare(k.Currency, o.Currency),
	)
}

func kindRank(k Kind) int {
	switch k {
	case KindOrder:
		return 0
	case KindOrderCancel:
		return 1
	case KindManual:
		return 2
	}
	return 3
}

// KeyOf is the key of transfer t in currency c.
func KeyOf(t *Transfer, c Currency) SettlementKey {
	k := SettlementKey{PartnerID: t.PartnerID, ContractID: t.ContractID, Kind: t.Kind, SettlementDate: t.SettlementDate, Currency: c}
	if t.Kind == KindManual {
		k.ContractID = ""
	}
	return k
}

// PartnerSettlement is PortOne's PlatformPartnerSettlement in domain terms:
// the transfers of one key added up. Amounts is the sum of the transfers'
// order blocks, an ORDER_CANCEL settlement's in positive magnitudes like
// its transfers; a MANUAL settlement has only Settlement and
// SettlementTaxFree, signed as posted.
type PartnerSettlement struct {
	ID         string // PortOne's id; "" for one we expect
	Key        SettlementKey
	Status     PartnerSettlementStatus // "" for one we expect
	Amounts    Amounts
	StartFrom  Date // settlementStartDateRange; zero for MANUAL
	StartUntil Date
	Transfers  int // transfers added (PortOne does not report it)
}

// Net is the settlement's part of its partner's payout: Settlement and
// SettlementTaxFree, negated for ORDER_CANCEL. ok is false when a value has
// no negation (math.MinInt64).
func (p *PartnerSettlement) Net() (settlement, taxFree Won, ok bool) {
	if p.Key.Kind != KindOrderCancel {
		return p.Amounts.Settlement, p.Amounts.SettlementTaxFree, true
	}
	c := checked{ok: true}
	s, t := c.sub(0, p.Amounts.Settlement), c.sub(0, p.Amounts.SettlementTaxFree)
	return s, t, c.ok
}

// SettlementBook groups transfers into partner settlements the documented
// way (§5): a transfer joins the open settlement of its key (Open), or
// starts a new one when the key has none; with manualSettlementPerTransfer
// every MANUAL transfer is a settlement of its own. The emulator keeps one
// per environment and moves statuses with SetStatus; settle builds the ones
// it expects with it, where no status ever closes a key, so it holds one
// settlement per key. The zero value is not ready: use NewSettlementBook.
type SettlementBook struct {
	all               []PartnerSettlement
	open              map[SettlementKey]int
	perTransferManual bool
}

// NewSettlementBook returns an empty book; perTransferManual is PortOne's
// setting manualSettlementPerTransfer.
func NewSettlementBook(perTransferManual bool) *SettlementBook {
	return &SettlementBook{open: map[SettlementKey]int{}, perTransferManual: perTransferManual}
}

// Add adds one transfer of key k, settlement start date start (zero for
// MANUAL) and order block a (a cancel's positive; a MANUAL transfer's
// Settlement and SettlementTaxFree) and returns the index of the
// settlement it joined. A sum beyond the range of a won is an *Error
// (INVALID_REQUEST) naming the settlement and the field; the book is then
// unchanged.
func (b *SettlementBook) Add(k SettlementKey, start Date, a Amounts) (int, error) {
	i, ok := b.open[k]
	if !ok || (k.Kind == KindManual && b.perTransferManual) {
		i = len(b.all)
		b.all = append(b.all, PartnerSettlement{Key: k, StartFrom: start, StartUntil: start})
		if !(k.Kind == KindManual && b.perTransferManual) {
			b.open[k] = i
		}
	}
	p := &b.all[i]
	sum, err := p.Amounts.Add(a)
	if err != nil {
		if p.Transfers == 0 { // the settlement was made for this transfer
			b.all = b.all[:i]
			delete(b.open, k)
		}
		return 0, fmt.Errorf("partner settlement %s: %w", k, err)
	}
	p.Amounts = sum
	p.Transfers++
	if !start.IsZero() {
		if p.StartFrom.IsZero() || start.Before(p.StartFrom) {
			p.StartFrom = start
		}
		if start.After(p.StartUntil) {
			p.StartUntil = start
		}
	}
	return i, nil
}

// AddTransfer adds t (a cancel's amounts positive) in currency c.
func (b *SettlementBook) AddTransfer(t *Transfer, c Currency) (int, error) {
	return b.Add(KeyOf(t, c), t.SettlementStartDate, t.Amounts)
}

// Remove takes a transfer's block a out of settlement i (a deleted
// transfer). The start date range is left as it was.
func (b *SettlementBook) Remove(i int, a Amounts) error {
	p := &b.all[i]
	d, err := p.Amounts.Sub(a)
	if err != nil {
		return fmt.Errorf("partner settlement %s: %w", p.Key, err)
	}
	p.Amounts = d
	p.Transfers--
	return nil
}

// SetStatus records settlement i's status; a status that is not Open
// closes its key, so the key's next transfer starts a new settlement.
func (b *SettlementBook) SetStatus(i int, s PartnerSettlementStatus) {
	p := &b.all[i]
	p.Status = s
	if !s.Open() {
		if j, ok := b.open[p.Key]; ok && j == i {
			delete(b.open, p.Key)
		}
	}
}

// SetID records PortOne's id of settlement i.
func (b *SettlementBook) SetID(i int, id string) { b.all[i].ID = id }

// At returns settlement i; it stays valid until the next Add.
func (b *SettlementBook) At(i int) *PartnerSettlement { return &b.all[i] }

// Len is the number of settlements.
func (b *SettlementBook) Len() int { return len(b.all) }

// Settlements returns a copy of the settlements ordered by key (then in
// the order they were made).
func (b *SettlementBook) Settlements() []PartnerSettlement {
	out := slices.Clone(b.all)
	slices.SortStableFunc(out, func(x, y PartnerSettlement) int { return x.Key.Compare(y.Key) })
	return out
}

// AmountType is PortOne's SettlementAmountType, the platform setting
// settlementAmountType.
type AmountType string

// The settlement amount types.
const (
	AmountGross AmountType = "GROSS" // 총액: the settlement includes VAT (the default)
	AmountNet   AmountType = "NET"   // 순액: the settlement is supply + tax-free; VAT is added at payout
)

// PartnerType is PortOne's PlatformPartnerTypeName.
type PartnerType string

// The partner types.
const (
	PartnerBusiness    PartnerType = "BUSINESS"      // 사업자
	PartnerWhtPayer    PartnerType = "WHT_PAYER"     // 원천징수 대상자: an individual withheld 3.3 %
	PartnerNonWhtPayer PartnerType = "NON_WHT_PAYER" // 원천징수 비대상자
)

// TaxationType is PortOne's PlatformPartnerTaxationType, a business
// partner's VAT status.
type TaxationType string

// The taxation types.
const (
	TaxationNormal        TaxationType = "NORMAL"                    // 일반 과세
	TaxationSimpleInvoice TaxationType = "SIMPLE_TAX_INVOICE_ISSUER" // 간이과세, issues tax invoices
	TaxationSimple        TaxationType = "SIMPLE"                    // 간이과세, no tax invoices
	TaxationTaxFree       TaxationType = "TAX_FREE"                  // 면세
)

// TaxProfile is what of a partner decides its payout: its type and, for a
// business, its taxation type ("" is PortOne's default, NORMAL).
type TaxProfile struct {
	Type     PartnerType
	Taxation TaxationType
}

// PayoutSetting is what of the platform setting decides payouts.
type PayoutSetting struct {
	AmountType AmountType // "" is PortOne's default, GROSS
	DeductWht  bool
}

// VATTreatment is how a payout treats VAT.
type VATTreatment int

// The VAT treatments of a payout.
const (
	// VATNone: no VAT (an individual, a tax-free business): the taxable
	// part is all supply.
	VATNone VATTreatment = iota
	// VATIncluded: GROSS for a taxable business: the settlement includes
	// VAT; the payout reports the VAT its taxable part contains.
	VATIncluded
	// VATAdded: NET for a taxable business: the settlement is supply and
	// tax-free; 10 % VAT on the taxable part is added at payout.
	VATAdded
)

// String names the treatment.
func (v VATTreatment) String() string {
	switch v {
	case VATIncluded:
		return "INCLUDED"
	case VATAdded:
		return "ADDED"
	}
	return "NONE"
}

// Treatment is how one partner's payout is computed.
type Treatment struct {
	VAT      VATTreatment
	Withhold bool // withholding: 3 % income tax and 0.3 % local income tax
}

// ErrUnknownPayoutTerms is returned for a partner type, taxation type or
// settlement amount type this package does not know: the payout of such a
// partner cannot be computed.
var ErrUnknownPayoutTerms = errors.New("unknown payout terms")

// TreatmentOf is the treatment of a partner with profile p under setting s
// (§6.7): NET and GROSS apply only to taxable businesses (일반·간이 과세:
// NORMAL, SIMPLE_TAX_INVOICE_ISSUER, SIMPLE); withholding only to WHT_PAYER
// partners, and only with deductWht. An unknown type is an error wrapping
// ErrUnknownPayoutTerms.
func TreatmentOf(p TaxProfile, s PayoutSetting) (Treatment, error) {
	var t Treatment
	switch s.AmountType {
	case "", AmountGross, AmountNet:
	default:
		return t, fmt.Errorf("settlementAmountType %q: %w", s.AmountType, ErrUnknownPayoutTerms)
	}
	switch p.Type {
	case PartnerBusiness:
		switch p.Taxation {
		case "", TaxationNormal, TaxationSimpleInvoice, TaxationSimple:
			t.VAT = VATIncluded
			if s.AmountType == AmountNet {
				t.VAT = VATAdded
			}
		case TaxationTaxFree:
		default:
			return t, fmt.Errorf("partner taxation type %q: %w", p.Taxation, ErrUnknownPayoutTerms)
		}
	case PartnerWhtPayer:
		t.Withhold = s.DeductWht
	case PartnerNonWhtPayer:
	default:
		return t, fmt.Errorf("partner type %q: %w", p.Type, ErrUnknownPayoutTerms)
	}
	return t, nil
}

// The withholding rates: income tax 3 % of the payout, local income tax
// 10 % of the income tax (소득세법 §129, 지방세법 §103-13).
const (
	IncomeTaxRate      Rate = 3000
	LocalIncomeTaxRate Rate = 10000
)

// PayoutRules are the roundings of a payout, where PortOne documents none
// (portone-platform.md §6.7, §10 item 10). DefaultPayoutRules is what
// settle assumes; doc.go says why.
type PayoutRules struct {
	// VAT rounds the VAT added at payout (NET) and the VAT a GROSS
	// settlement's taxable part contains (÷ 11).
	VAT RoundMode
	// Withholding rounds income tax and local income tax, each to a
	// multiple of WithholdingUnit won.
	Withholding     RoundMode
	WithholdingUnit Won
	// ExemptBelow: income tax below this many won is not withheld at all
	// (소액부징수 is 1,000 won); 0 withholds every amount.
	ExemptBelow Won
}

// DefaultPayoutRules: VAT truncated like PortOne's documented VAT
// rounding; withholding truncated below 10 won (Korean practice for tax
// amounts, 국고금 관리법 §47); no small-amount exemption, since PortOne
// documents none.
var DefaultPayoutRules = PayoutRules{VAT: RoundDown, Withholding: RoundDown, WithholdingUnit: 10}

// Validate reports an unknown rounding mode, a unit below 1 won or a
// negative exemption.
func (r PayoutRules) Validate() error {
	for _, f := range []struct {
		name string
		m    RoundMode
	}{{"vat", r.VAT}, {"withholding", r.Withholding}} {
		switch f.m {
		case RoundDown, RoundUp, RoundHalfUp:
		default:
			return fmt.Errorf("payout rounding %s: mode %q: must be DOWN, UP or HALF_UP", f.name, f.m)
		}
	}
	if r.WithholdingUnit < 1 || r.WithholdingUnit > 1_000_000 {
		return fmt.Errorf("payout rounding withholdingUnit: %d: must be 1 to 1,000,000 won", r.WithholdingUnit)
	}
	if r.ExemptBelow < 0 || r.ExemptBelow > MaxAmount {
		return fmt.Errorf("payout rounding exemptBelow: %d: must be 0 to %d won", r.ExemptBelow, MaxAmount)
	}
	return nil
}

// PayoutAmounts are the amounts of one payout, PortOne's PlatformPayout
// amounts: settlement → VAT → withholding → payout.
type PayoutAmounts struct {
	Settlement        Won // the partner's settlements, netted
	SettlementTaxFree Won
	Supply            Won // the taxable part without VAT
	TaxFree           Won
	VAT               Won
	IncomeTax         Won
	LocalIncomeTax    Won
	Amount            Won // what the partner receives
}

// Withholding is income tax plus local income tax (checked).
func (p PayoutAmounts) Withholding() (Won, bool) {
	c := checked{ok: true}
	return c.add(p.IncomeTax, p.LocalIncomeTax), c.ok
}

// PayoutField names one field of PayoutAmounts with PortOne's JSON name.
type PayoutField struct {
	Name string
	Get  func(*PayoutAmounts) *Won
}

// PayoutFields lists the fields of PayoutAmounts in PortOne's schema order.
var PayoutFields = []PayoutField{
	{"amount", func(p *PayoutAmounts) *Won { return &p.Amount }},
	{"supplyAmount", func(p *PayoutAmounts) *Won { return &p.Supply }},
	{"taxFreeAmount", func(p *PayoutAmounts) *Won { return &p.TaxFree }},
	{"vatAmount", func(p *PayoutAmounts) *Won { return &p.VAT }},
	{"settlementAmount", func(p *PayoutAmounts) *Won { return &p.Settlement }},
	{"settlementTaxFreeAmount", func(p *PayoutAmounts) *Won { return &p.SettlementTaxFree }},
	{"incomeTaxAmount", func(p *PayoutAmounts) *Won { return &p.IncomeTax }},
	{"localIncomeTaxAmount", func(p *PayoutAmounts) *Won { return &p.LocalIncomeTax }},
}

// ErrPayoutOutOfRange is wrapped by the error of a payout whose amounts
// leave the range of a won.
var ErrPayoutOutOfRange = errors.New("beyond the range of a won amount")

// PayoutOf computes one payout from a partner's netted settlement and
// tax-free amounts under treatment t with rules r (§6.7):
//
//	taxable      = settlement − taxFree
//	VATAdded:    vat = R_vat(taxable × 10 %), supply = taxable,       expected = settlement + vat
//	VATIncluded: vat = R_vat(taxable ÷ 11),   supply = taxable − vat, expected = settlement
//	VATNone:     vat = 0,                     supply = taxable,       expected = settlement
//	withholding (t.Withhold and expected > 0):
//	             incomeTax      = R_wht(expected × 3 %)        to r.WithholdingUnit
//	             localIncomeTax = R_wht(incomeTax × 10 %)      to r.WithholdingUnit
//	             both 0 when incomeTax < r.ExemptBelow
//	amount       = expected − incomeTax − localIncomeTax
//
// The withholding base is the payout before withholding, VAT included
// (P2; release note 2024-07-11). A negative or zero payout is withheld
// nothing. The error wraps ErrPayoutOutOfRange when an amount leaves the
// range of a won.
func PayoutOf(settlement, taxFree Won, t Treatment, r PayoutRules) (PayoutAmounts, error) {
	c := checked{ok: true}
	p := PayoutAmounts{Settlement: settlement, SettlementTaxFree: taxFree, TaxFree: taxFree}
	taxable := c.sub(settlement, taxFree)
	expected := settlement
	switch t.VAT {
	case VATAdded:
		p.VAT = c.rate(taxable, VATRate, r.VAT)
		p.Supply = taxable
		expected = c.add(settlement, p.VAT)
	case VATIncluded:
		p.Supply, p.VAT = SplitVAT(taxable, r.VAT)
	default:
		p.Supply = taxable
	}
	if !c.ok {
		return PayoutAmounts{}, fmt.Errorf("payout of settlement %d, tax-free %d: %w", settlement, taxFree, ErrPayoutOutOfRange)
	}
	if t.Withhold && expected > 0 {
		it, ok1 := rateToUnit(expected, IncomeTaxRate, r.WithholdingUnit, r.Withholding)
		lt, ok2 := rateToUnit(it, LocalIncomeTaxRate, r.WithholdingUnit, r.Withholding)
		if !ok1 || !ok2 {
			return PayoutAmounts{}, fmt.Errorf("withholding on %d: %w", expected, ErrPayoutOutOfRange)
		}
		if it >= r.ExemptBelow {
			p.IncomeTax, p.LocalIncomeTax = it, lt
		}
	}
	p.Amount = c.sub(c.sub(expected, p.IncomeTax), p.LocalIncomeTax)
	if !c.ok {
		return PayoutAmounts{}, fmt.Errorf("payout of settlement %d: %w", settlement, ErrPayoutOutOfRange)
	}
	return p, nil
}

// rateToUnit is base × r ÷ 100000 rounded with mode to a multiple of unit
// (≥ 1). The product and the quotient are exact; ok is false when the
// result does not fit in a Won.
func rateToUnit(base Won, r Rate, unit Won, mode RoundMode) (Won, bool) {
	if unit < 1 {
		unit = 1
	}
	num := decimal.NewFromInt(int64(base)).Mul(decimal.NewFromInt(int64(r)))
	den := decimal.NewFromInt(int64(RateScale)).Mul(decimal.NewFromInt(int64(unit)))
	q, rem := num.QuoRem(den, 0)
	if !rem.IsZero() {
		switch mode {
		case RoundUp:
			q = q.Add(decimal.NewFromInt(int64(rem.Sign())))
		case RoundHalfUp:
			if rem.Abs().Mul(decimal.NewFromInt(2)).Cmp(den.Abs()) >= 0 {
				q = q.Add(decimal.NewFromInt(int64(rem.Sign())))
			}
		}
	}
	v := q.Mul(decimal.NewFromInt(int64(unit)))
	if v.LessThan(minWon) || v.GreaterThan(maxWon) {
		return 0, false
	}
	return Won(v.IntPart()), true
}

// PayoutKey is how PortOne makes payouts of partner settlements: per
// partner and settlement currency (help center, 지급 내역).
type PayoutKey struct {
	PartnerID PartnerID
	Currency  Currency
}

// Payout is one payout: the partner settlements it pays (indexes into the
// slice given to PayoutsOf), netted, and its amounts.
type Payout struct {
	Key         PayoutKey
	Settlements []int
	Treatment   Treatment
	Amounts     PayoutAmounts
}

// Payable reports whether the payout pays the partner anything: a
// partner's settlements can net to zero or below (cancels after orders),
// which PortOne shows in red and does not pay (complete-payout refuses
// negative partners).
func (p *Payout) Payable() bool { return p.Amounts.Amount > 0 }

// PayoutRecord is a payout as PortOne reports it (PlatformPayout) in
// domain terms: which partner and currency, its bulk payout, its status
// and its amounts. PortOne does not say which partner settlements a payout
// pays; its bulk payout's settlements (keyword bulkPayoutId) of the same
// partner and currency are the ones.
type PayoutRecord struct {
	ID              string
	BulkPayoutID    string
	Key             PayoutKey
	Status          PayoutStatus
	Amounts         PayoutAmounts
	DeductWht       bool
	AmountType      AmountType
	CreatedAt       time.Time
	ScheduledAt     time.Time // zero when PortOne sends none
	StatusUpdatedAt time.Time
	FailReason      string
}

// PayoutError is a payout that cannot be computed: which partner, and why
// (wrapping ErrUnknownPayoutTerms, ErrPayoutOutOfRange or an *Error).
type PayoutError struct {
	PartnerID PartnerID
	Currency  Currency
	Err       error
}

func (e *PayoutError) Error() string {
	return fmt.Sprintf("payout of partner %s in %s: %v", e.PartnerID, e.Currency, e.Err)
}

func (e *PayoutError) Unwrap() error { return e.Err }

// NetOf nets settlements (all of one partner and currency) into the base
// of their payout: orders and manual transfers add, cancels subtract. The
// error wraps ErrPayoutOutOfRange.
func NetOf(ss []PartnerSettlement) (settlement, taxFree Won, err error) {
	c := checked{ok: true}
	for i := range ss {
		s, t, ok := ss[i].Net()
		c.ok = c.ok && ok
		settlement, taxFree = c.add(settlement, s), c.add(taxFree, t)
	}
	if !c.ok {
		return 0, 0, fmt.Errorf("netting %d settlements: %w", len(ss), ErrPayoutOutOfRange)
	}
	return settlement, taxFree, nil
}

// PayoutsOf groups settlements per partner and currency, nets each group
// and computes its payout with the partner's treatment (treat) and rules r.
// The caller chooses which settlements a payout pays (PortOne: the ones a
// bulk payout includes). Payouts come ordered by partner and currency. A
// payout that cannot be computed is a *PayoutError; the others are still
// returned.
func PayoutsOf(ss []PartnerSettlement, treat func(PartnerID) (Treatment, error), r PayoutRules) ([]Payout, error) {
	idx := map[PayoutKey]int{}
	var out []Payout
	for i := range ss {
		k := PayoutKey{ss[i].Key.PartnerID, ss[i].Key.Currency}
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			out = append(out, Payout{Key: k})
		}
		out[j].Settlements = append(out[j].Settlements, i)
	}
	slices.SortFunc(out, func(a, b Payout) int {
		return cmp.Or(cmp.Compare(a.Key.PartnerID, b.Key.PartnerID), cmp.Compare(a.Key.Currency, b.Key.Currency))
	})
	var errs []error
	keep := out[:0]
	for _, p := range out {
		members := make([]PartnerSettlement, len(p.Settlements))
		for i, j := range p.Settlements {
			members[i] = ss[j]
		}
		var err error
		p.Treatment, err = treat(p.Key.PartnerID)
		if err == nil {
			var s, t Won
			if s, t, err = NetOf(members); err == nil {
				p.Amounts, err = PayoutOf(s, t, p.Treatment, r)
			}
		}
		if err != nil {
			errs = append(errs, &PayoutError{PartnerID: p.Key.PartnerID, Currency: p.Key.Currency, Err: err})
			continue
		}
		keep = append(keep, p)
	}
	return keep, errors.Join(errs...)
}
