package transfer

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// TestObservePartnerSettlement: the key, the status and the amounts of
// each type; a cancel settlement PortOne sends negated comes out positive
// and flagged; the partner's account does not survive into Raw.
func TestObservePartnerSettlement(t *testing.T) {
	partner := Partner{ID: "p-1", Name: "가게", Account: Account{Bank: "KOOKMIN", Number: "123-456-789012", Holder: "홍길동"}}
	block := func(s, tf int64) json.RawMessage {
		b, _ := json.Marshal(SettlementAmount{Settlement: s, SettlementTaxFree: tf, Order: s + 1000, UserDefinedFormulas: map[string]int64{}})
		return b
	}
	tf := int64(-300)
	tests := []struct {
		name    string
		w       PartnerSettlement
		want    settlement.PartnerSettlement
		negated bool
	}{
		{"order", PartnerSettlement{Type: "ORDER", ID: "ps-1", Partner: partner, SettlementDate: "2025-10-01", SettlementCurrency: "KRW", Status: "PAYOUT_PREPARED",
			Contract: &Contract{ID: "c-1"}, SettlementStartDateRange: &DateRange{From: "2025-09-29", Until: "2025-09-30"}, Amount: block(8900, 100)},
			settlement.PartnerSettlement{ID: "ps-1", Status: settlement.SettlementPayoutPrepared,
				Key:       settlement.SettlementKey{PartnerID: "p-1", ContractID: "c-1", Kind: settlement.KindOrder, SettlementDate: settlement.MustDate("2025-10-01"), Currency: settlement.KRW},
				Amounts:   settlement.Amounts{Settlement: 8900, SettlementTaxFree: 100, Order: 9900},
				StartFrom: settlement.MustDate("2025-09-29"), StartUntil: settlement.MustDate("2025-09-30")}, false},
		{"cancel negated", PartnerSettlement{Type: "ORDER_CANCEL", ID: "ps-2", Partner: partner, SettlementDate: "2025-10-01", SettlementCurrency: "KRW", Status: "PAID_OUT",
			Contract: &Contract{ID: "c-1"}, Amount: block(-4450, 0)},
			settlement.PartnerSettlement{ID: "ps-2", Status: settlement.SettlementPaidOut,
				Key:     settlement.SettlementKey{PartnerID: "p-1", ContractID: "c-1", Kind: settlement.KindOrderCancel, SettlementDate: settlement.MustDate("2025-10-01"), Currency: settlement.KRW},
				Amounts: settlement.Amounts{Settlement: 4450, Order: 3450}}, true},
		{"manual", PartnerSettlement{Type: "MANUAL", ID: "ps-3", Partner: partner, SettlementDate: "2025-10-01", SettlementCurrency: "KRW", Status: "PAYOUT_WITHHELD",
			Amount: json.RawMessage(`-3000`), TaxFreeAmount: &tf},
			settlement.PartnerSettlement{ID: "ps-3", Status: settlement.SettlementPayoutWithheld,
				Key:     settlement.SettlementKey{PartnerID: "p-1", Kind: settlement.KindManual, SettlementDate: settlement.MustDate("2025-10-01"), Currency: settlement.KRW},
				Amounts: settlement.Amounts{Settlement: -3000, SettlementTaxFree: -300}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ObservePartnerSettlement(tt.w)
			if o.Settlement != tt.want || o.Negated != tt.negated {
				t.Errorf("ObservePartnerSettlement = %+v (negated %v)\nwant %+v (negated %v)", o.Settlement, o.Negated, tt.want, tt.negated)
			}
			if strings.Contains(string(o.Raw), "123-456") || strings.Contains(string(o.Raw), "account") {
				t.Errorf("Raw keeps the account: %s", o.Raw)
			}
		})
	}
}

func TestObservePayout(t *testing.T) {
	w := Payout{ID: "po-1", BulkPayoutID: "bp-1", Status: "FAILED", Partner: Partner{ID: "p-1", Account: Account{Number: "123-456-789012"}},
		Account: PayoutAccount{Bank: "KOOKMIN", Number: "123-456-789012", Holder: "홍길동"}, Currency: "KRW",
		Amount: 967000, SupplyAmount: 1000000, SettlementAmount: 1000000, IncomeTaxAmount: 30000, LocalIncomeTaxAmount: 3000,
		CreatedAt: "2025-10-01T01:00:00Z", ScheduledAt: "2025-10-01T02:00:00Z", StatusUpdatedAt: "bad", FailReason: "계좌 오류",
		DeductWht: true, SettlementAmountType: "GROSS"}
	o := ObservePayout(w)
	want := settlement.PayoutRecord{ID: "po-1", BulkPayoutID: "bp-1", Key: settlement.PayoutKey{PartnerID: "p-1", Currency: settlement.KRW},
		Status:    settlement.PayoutFailed,
		Amounts:   settlement.PayoutAmounts{Settlement: 1000000, Supply: 1000000, IncomeTax: 30000, LocalIncomeTax: 3000, Amount: 967000},
		DeductWht: true, AmountType: settlement.AmountGross, FailReason: "계좌 오류",
		CreatedAt: time.Date(2025, 10, 1, 1, 0, 0, 0, time.UTC), ScheduledAt: time.Date(2025, 10, 1, 2, 0, 0, 0, time.UTC)}
	if o.Payout != want {
		t.Errorf("ObservePayout = %+v\nwant %+v", o.Payout, want)
	}
	if strings.Contains(string(o.Raw), "123-456") || strings.Contains(string(o.Raw), "account") {
		t.Errorf("Raw keeps the account: %s", o.Raw)
	}
	var back Payout
	PayoutAmountsToWire(&back, o.Payout.Amounts)
	if back.Amount != w.Amount || back.IncomeTaxAmount != w.IncomeTaxAmount || back.SettlementAmount != w.SettlementAmount {
		t.Errorf("PayoutAmountsToWire = %+v", back)
	}
}

func TestTaxProfileAndSetting(t *testing.T) {
	if got := TaxProfileOf(Partner{Type: PartnerType{Type: "BUSINESS", TaxationType: "SIMPLE"}}); got != (settlement.TaxProfile{Type: settlement.PartnerBusiness, Taxation: settlement.TaxationSimple}) {
		t.Errorf("TaxProfileOf(business) = %+v", got)
	}
	if got := TaxProfileOf(Partner{Type: PartnerType{Type: "WHT_PAYER", TaxationType: "NORMAL"}}); got != (settlement.TaxProfile{Type: settlement.PartnerWhtPayer}) {
		t.Errorf("TaxProfileOf(WHT_PAYER) = %+v", got)
	}
	if got := PayoutSettingOf(Setting{SettlementAmountType: "NET", DeductWht: true}); got != (settlement.PayoutSetting{AmountType: settlement.AmountNet, DeductWht: true}) {
		t.Errorf("PayoutSettingOf = %+v", got)
	}
}
