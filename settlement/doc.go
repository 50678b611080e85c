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
// # Blocks tie
//
// An order with lines is computed per line (each line its own block, with
// its own discounts and fees); order-level discounts and fees are computed
// on the whole order and kept as one more block. The order block is the sum
// of the line blocks and that order-level block, to the won, in every field.
//
// # Cancellations
//
// A Book tracks what remains of an order. A partial cancel is computed
// afresh on the cancelled part and capped at what remains in every field; a
// cancel that takes the last of a line, or all, takes exactly the remainder,
// so a fully cancelled order nets to zero in every field.
//
// # Dates
//
// SettlementDateOf follows portone-platform.md §5 with the Korean
// business-day Calendar shipped in this package.
package settlement
