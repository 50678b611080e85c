// Package settlement is the pure domain of settle: PortOne's partner
// settlement rules for amounts, cancellations and settlement dates. It does
// no I/O and imports nothing of ours; every other package speaks its
// vocabulary (Won, Rate, Date, Order, Cancellation, Amounts, Transfer).
//
// # Amounts
//
// Money is Won (int64, whole won). Rates are PortOne's milli-percent
// integers (10000 = 10 %). Rate math is exact integer or decimal arithmetic
// and each formula result is rounded once, with the merchant's fee rounding
// (DOWN by default) or VAT rounding:
//
//	platformFee      = R(order × rate ÷ 100000) + fixedAmount
//	platformFeeVat   = Rvat(platformFee × 10 %)          if platformFeeVatPayer = PARTNER, else 0
//	shareAmount      = R(discount × partnerShareRate ÷ 100000)   per discount
//	additionalFee    = R(order × rate ÷ 100000) + fixed          per policy
//	additionalFeeVat = Rvat(additionalFee × 10 %)        if the policy's vatPayer = PARTNER, else 0
//	payment          = order − discount
//	paymentTaxFree   = orderTaxFree − discountTaxFree
//	paymentVat       = Rvat((payment − paymentTaxFree) ÷ 11); paymentSupply takes the rest
//	paymentVatBurden = paymentVat                        if subtractPaymentVatAmount, else 0
//	settlement       = order − discountShare − platformFee − platformFeeVat
//	                   − additionalFee − additionalFeeVat − paymentVatBurden
//	settlementTaxFree = orderTaxFree − discountShareTaxFree
//
// Worked example (portone-platform.md G1): order 10000 at 10 % with the
// partner paying fee VAT: fee 1000, VAT 100, settlement 8900.
//
// These are PortOne's default formulas. A merchant who changed them in
// PortOne's console describes its own in Rules (rules.go, the rules file
// of rulesfile.go): formulas over variables with + − × and parentheses in
// a small language of decimals (formula.go; no division, bounded input,
// exact arithmetic, one rounding per formula result), the VAT roundings,
// the evaluation order, settlement parameters, user-defined formulas, and
// one named variant for each rule PortOne leaves open (fixed fee per order,
// line or unit; the order block as the sum of its lines or recomputed;
// MONTHLY 29/30 clamped or skipped; fixed amounts returned on the last or
// on each cancel). Terms.Rules nil, DefaultRules and a rules file that says
// nothing are the same: the defaults, computed by the fixed code of
// engine.go. Any other rules run on the interpreter of calc.go, which
// FuzzRulesDefaultsMatchFixed holds to the fixed code for the defaults.
// Every money result of a formula is range-checked when it becomes a Won.
//
// # Checked money and its bound
//
// No operation on money wraps: every sum, difference and product goes
// through one checked type (money.go) that detects int64 overflow, and
// ApplyRate refuses a result that does not fit. On top of that every
// computed result keeps a documented bound (limits.go): every field of
// every block and item within ±MaxAmount, and a block's deductions at most
// MaxAmount, which keeps every cancel of an accepted order within the bound
// too. A request that would leave it is refused with an *Error
// (INVALID_REQUEST) naming the request field that drove it there, such as
// `orderDetail.orderLines[3].additionalFees`, after PortOne's own rules.
//
// A contract and the policies an order names are checked with
// Contract.Validate, DiscountSharePolicy.Validate and
// AdditionalFeePolicy.Validate (rates 0..100 %, fixed amounts
// 0..MaxAmount, known payers, a valid cycle), the same checks the other
// packages use for what PortOne and preview inputs say. A policy is named
// at most once per scope (a line's items, or the order level): a repeated
// discount share policy is PLATFORM_DISCOUNT_SHARE_POLICY_ID_DUPLICATED, a
// repeated additional-fee policy INVALID_REQUEST, never a fee charged twice.
//
// # Blocks tie
//
// An order with lines is computed per line (each line its own block, with
// its own discounts and fees); order-level discounts and fees are computed
// on the whole order and kept as one more part. The order block is the sum
// of the line blocks and that order-level part, to the won, in every field.
//
// Every block splits its taxable payment (payment − paymentTaxFree) into
// paymentSupply and paymentVat, neither negative. The order block's split
// is fitted to its own taxable payment: rounding each line and the
// order-level part on its own can leave more VAT than payment when the
// order-level discount takes (nearly) all of it, so the order-level part
// takes whatever VAT the lines leave (fitVAT in engine.go).
//
// # Cancellations
//
// A Book tracks what remains of an order, of each line and of the order
// block. A partial cancel is computed afresh on the cancelled part and
// capped at what remains in every field, its VAT split included (each
// cancel block's split lies within what is left of that block's supply and
// VAT); a cancel that takes the last of a line, or all, takes exactly the
// remainder, so a fully cancelled order nets to zero in every field.
//
// # Payouts
//
// What a partner receives is one step past its transfers (payout.go,
// portone-platform.md §3.9, §5, §6.7, §8.3). PortOne groups transfers into
// partner settlements by partner, contract, transfer type, settlement date
// and currency (SettlementKey). The key is not unique: a transfer joins the
// key's settlement only while that one waits for a payout
// (PAYOUT_PREPARED); a key whose settlement failed, was withheld or is in a
// payout starts a new one, and since 2026-03 two pending settlements of one
// key may coexist. SettlementBook does this grouping for the emulator and
// for what settle expects; CompareSettlements adds PortOne's settlements of
// a key up before comparing them with ours, so a split never reads as a
// difference. An ORDER_CANCEL settlement holds positive magnitudes like its
// transfers.
//
// Payouts are made per partner and currency over the settlements a payout
// includes, netted: orders and manual transfers add, cancels subtract, and
// a partner's total can go negative (Payable is false; nothing is withheld
// from it). Then, by the partner's TaxProfile and the platform setting
// (TreatmentOf):
//
//	taxable    = settlement − settlementTaxFree
//	NET, taxable business (NORMAL, SIMPLE_TAX_INVOICE_ISSUER, SIMPLE):
//	             vat = R_vat(taxable × 10 %), expected = settlement + vat
//	GROSS, taxable business:
//	             vat = R_vat(taxable ÷ 11) (contained), expected = settlement
//	any other partner (tax-free business, individuals): vat = 0, expected = settlement
//	WHT_PAYER with deductWht, expected > 0:
//	             incomeTax      = R_wht(expected × 3 %)   to a unit of 10 won
//	             localIncomeTax = R_wht(incomeTax × 10 %) to a unit of 10 won
//	payout     = expected − incomeTax − localIncomeTax
//
// Worked examples (§8.3, a settlement of 1,000,000): GROSS with
// withholding 967,000 (30,000 + 3,000); NET with withholding 1,063,700
// (VAT 100,000; 33,000 + 3,300 on the VAT-inclusive 1,100,000, as the help
// center prints it); GROSS 1,000,000; NET 1,100,000.
//
// PortOne documents none of these roundings (§10 item 10), so they are
// PayoutRules, explicit and configurable. DefaultPayoutRules truncates the
// VAT (PortOne's documented VAT rounding is truncation) and truncates each
// withholding amount below 10 won: Korean tax amounts are collected in
// whole tens of won (국고금 관리법 §47 drops the units), which is also how
// withholding receipts are written, and local income tax is 10 % of the
// income tax already truncated. The small-amount exemption (소액부징수:
// income tax under 1,000 won is not collected) is available as
// ExemptBelow but off by default, because PortOne's release note says only
// that withholding is computed on the payout amount: if PortOne withholds
// small amounts, an exemption would overstate every small payout. The
// reconciliation names the field when PortOne's choice differs.
//
// A payout date of a partner whose settlements net below zero has no
// payout (PortOne pays nothing and shows the total in red); it is reported
// as PAYOUT_NEGATIVE, an attention item (the partner owes it), never a
// payout of zero. A positive payout whose date has passed without PortOne
// making it is PAYOUT_MISSING.
//
// # Dates
//
// SettlementDateOf follows portone-platform.md §5 with the Korean
// business-day Calendar shipped in this package.
package settlement
