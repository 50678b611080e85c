package settlement

import (
	"math/rand/v2"
	"testing"
)

// digestBase is a two-line order transfer with formula results.
func digestBase() Transfer {
	line := func(id string, q int64, v Won) LineResult {
		return LineResult{Product: Product{ID: id, Name: "상품 " + id}, Quantity: q,
			Amounts: Amounts{Order: v, Payment: v, Settlement: v - v/10, PlatformFee: v / 10}}
	}
	return Transfer{Kind: KindOrder, PartnerID: "p-1", PaymentID: "pay-1", ContractID: "c-1",
		SettlementStartDate: MustDate("2026-11-30"), SettlementDate: MustDate("2026-12-01"),
		Amounts:     Amounts{Order: 3000, Payment: 3000, Settlement: 2700, PlatformFee: 300},
		UserDefined: map[string]Won{"BONUS": 7},
		Lines:       []LineResult{line("sku-1", 1, 1000), line("sku-2", 2, 2000)},
	}
}

// TestCompareDigest: every field Compare reads changes the digest, and
// Compare then finds the difference; a field it does not read leaves the
// digest alone.
func TestCompareDigest(t *testing.T) {
	base := digestBase()
	for _, c := range []struct {
		name   string
		change func(*Transfer)
		reads  bool // Compare reads the field
	}{
		{"settlement date", func(t *Transfer) { t.SettlementDate = MustDate("2026-12-02") }, true},
		{"start date", func(t *Transfer) { t.SettlementStartDate = MustDate("2026-11-29") }, true},
		{"an amount", func(t *Transfer) { t.Amounts.DiscountShareTaxFree = 1 }, true},
		{"a formula result", func(t *Transfer) { t.UserDefined = map[string]Won{"BONUS": 8} }, true},
		{"a formula result of 0 added", func(t *Transfer) { t.UserDefined = map[string]Won{"BONUS": 7, "X": 0} }, true},
		{"no formula results", func(t *Transfer) { t.UserDefined = nil }, true},
		{"a line's product", func(t *Transfer) { t.Lines[1].Product.ID = "sku-3" }, true},
		{"a line's quantity", func(t *Transfer) { t.Lines[0].Quantity = 3 }, true},
		{"a line's amount", func(t *Transfer) { t.Lines[1].Amounts.AdditionalFeeVat = -1 }, true},
		{"a line's formula result", func(t *Transfer) { t.Lines[0].UserDefined = map[string]Won{"BONUS": 1} }, true},
		{"a line fewer", func(t *Transfer) { t.Lines = t.Lines[:1] }, true},
		{"the partner", func(t *Transfer) { t.PartnerID = "p-2" }, false},
		{"the contract", func(t *Transfer) { t.ContractID = "c-2" }, false},
		{"a product name", func(t *Transfer) { t.Lines[0].Product.Name = "다른 이름" }, false},
		{"an order-level fee", func(t *Transfer) { t.AdditionalFees = []FeeResult{{PolicyID: "f", Amount: 1}} }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			changed := digestBase()
			changed.Lines = append([]LineResult(nil), changed.Lines...)
			c.change(&changed)
			same := changed.CompareDigest() == base.CompareDigest()
			if same == c.reads {
				t.Errorf("digest equal %v after changing %s", same, c.name)
			}
			if found := len(Compare(&base, &changed)) > 0; found != c.reads {
				t.Errorf("Compare found %v after changing %s", found, c.name)
			}
		})
	}
}

// FuzzCompareDigest: transfers with equal digests compare equal, and two
// that compare equal with their lines in the same order (distinct
// products) have equal digests.
func FuzzCompareDigest(f *testing.F) {
	f.Add(uint64(1), uint8(3))
	f.Add(uint64(7), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, changes uint8) {
		r := rand.New(rand.NewPCG(seed, uint64(changes)))
		a, b := digestBase(), digestBase()
		b.Lines = append([]LineResult(nil), b.Lines...)
		for range changes % 8 {
			switch r.IntN(6) {
			case 0:
				*AmountFields[r.IntN(len(AmountFields))].Get(&b.Amounts) += Won(r.IntN(3) - 1)
			case 1:
				l := &b.Lines[r.IntN(len(b.Lines))]
				*AmountFields[r.IntN(len(AmountFields))].Get(&l.Amounts) += Won(r.IntN(3) - 1)
			case 2:
				b.Lines[r.IntN(len(b.Lines))].Quantity += int64(r.IntN(3) - 1)
			case 3:
				b.SettlementDate = b.SettlementDate.AddDays(r.IntN(3) - 1)
			case 4:
				b.UserDefined = map[string]Won{"BONUS": Won(6 + r.IntN(3))}
			case 5:
				b.ContractID = "c-" + string(rune('a'+r.IntN(3)))
			}
		}
		equal := a.CompareDigest() == b.CompareDigest()
		agree := len(Compare(&a, &b)) == 0
		if equal != agree {
			t.Fatalf("digests equal %v but Compare agrees %v: %+v vs %+v", equal, agree, a, b)
		}
	})
}
