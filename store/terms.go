package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/settle-dev/settle/settlement"
)

// Partner is a PortOne partner as last fetched.
type Partner struct {
	ID                settlement.PartnerID // PortOne partner id
	Name              string
	DefaultContractID string
	Raw               []byte // PortOne's JSON
	UpdatedAt         time.Time
}

// SavePartner inserts or refreshes a partner (reference data from PortOne:
// the latest fetch wins).
func (s *Store) SavePartner(ctx context.Context, p Partner) error {
	now := at(s.nowUTC())
	row := partnerRow{PartnerID: p.ID, Name: p.Name, DefaultContractID: p.DefaultContractID, RawJSON: string(p.Raw),
		Hash: sha(string(p.Raw)), CreatedAt: now, UpdatedAt: now}
	err := s.w(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "partner_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "default_contract_id", "raw_json", "hash", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save partner %q: %w", p.ID, err)
	}
	return nil
}

// Partner returns a partner, or a *NotFoundError.
func (s *Store) Partner(ctx context.Context, id settlement.PartnerID) (Partner, error) {
	var r partnerRow
	if err := s.w(ctx).Where("partner_id = ?", id).Take(&r).Error; err != nil {
		return Partner{}, notFound(err, fmt.Sprintf("partner %q", id))
	}
	return Partner{ID: r.PartnerID, Name: r.Name, DefaultContractID: r.DefaultContractID, Raw: []byte(r.RawJSON), UpdatedAt: r.UpdatedAt.Time}, nil
}

// Versioned is a contract or policy with the version number the store gave
// it: versions count from 1 per id and a new one is made whenever the
// fetched terms differ from the latest stored ones.
type Versioned[T any] struct {
	Value     T
	Version   int
	AppliedAt string // PortOne's appliedAt, as sent
	Raw       []byte // PortOne's JSON
}

// cycleJSON is the store's own encoding of a settlement cycle.
type cycleJSON struct {
	LagDays     int      `json:"lagDays"`
	DatePolicy  string   `json:"datePolicy"`
	Method      string   `json:"method"`
	DaysOfWeek  []int    `json:"daysOfWeek,omitempty"`
	DaysOfMonth []int    `json:"daysOfMonth,omitempty"`
	Dates       [][2]int `json:"dates,omitempty"`
}

func encodeCycle(c settlement.Cycle) string {
	j := cycleJSON{LagDays: c.LagDays, DatePolicy: string(c.DatePolicy), Method: string(c.Method), DaysOfMonth: c.DaysOfMonth}
	for _, d := range c.DaysOfWeek {
		j.DaysOfWeek = append(j.DaysOfWeek, int(d))
	}
	for _, d := range c.Dates {
		j.Dates = append(j.Dates, [2]int{int(d.Month), d.Day})
	}
	b, _ := json.Marshal(j)
	return string(b)
}

func decodeCycle(s string) (settlement.Cycle, error) {
	var j cycleJSON
	if s == "" {
		return settlement.Cycle{}, nil
	}
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return settlement.Cycle{}, err
	}
	c := settlement.Cycle{LagDays: j.LagDays, DatePolicy: settlement.DatePolicy(j.DatePolicy), Method: settlement.CycleMethod(j.Method), DaysOfMonth: j.DaysOfMonth}
	for _, d := range j.DaysOfWeek {
		c.DaysOfWeek = append(c.DaysOfWeek, time.Weekday(d))
	}
	for _, d := range j.Dates {
		c.Dates = append(c.Dates, settlement.MonthDay{Month: time.Month(d[0]), Day: d[1]})
	}
	return c, nil
}

func contractToRow(c settlement.Contract) contractRow {
	r := contractRow{ContractID: c.ID, Name: c.Name, FeeKind: string(c.PlatformFee.Kind), FeeRate: int64(c.PlatformFee.Rate),
		FeeAmount: int64(c.PlatformFee.Amount), FeeVatPayer: string(c.PlatformFeeVatPayer),
		SubtractPaymentVat: boolInt(c.SubtractPaymentVatAmount), CycleJSON: encodeCycle(c.Cycle)}
	r.Hash = sha(r.Name, r.FeeKind, strconv.FormatInt(r.FeeRate, 10), strconv.FormatInt(r.FeeAmount, 10), r.FeeVatPayer,
		strconv.FormatInt(r.SubtractPaymentVat, 10), r.CycleJSON)
	return r
}

func (r contractRow) contract() (Versioned[settlement.Contract], error) {
	cy, err := decodeCycle(r.CycleJSON)
	if err != nil {
		return Versioned[settlement.Contract]{}, fmt.Errorf("contract %q version %d: cycle: %w", r.ContractID, r.Version, err)
	}
	return Versioned[settlement.Contract]{Version: int(r.Version), AppliedAt: r.AppliedAt, Raw: []byte(r.RawJSON), Value: settlement.Contract{
		ID: r.ContractID, Name: r.Name, PlatformFee: settlement.Fee{Kind: settlement.FeeKind(r.FeeKind), Rate: settlement.Rate(r.FeeRate), Amount: settlement.Won(r.FeeAmount)},
		PlatformFeeVatPayer: settlement.Payer(r.FeeVatPayer), SubtractPaymentVatAmount: r.SubtractPaymentVat != 0, Cycle: cy,
	}}, nil
}

// SaveContract stores a contract's terms as fetched from PortOne. When they
// equal the latest stored version (name, fee, VAT payer, cycle) it returns
// that version and created false; otherwise it adds version latest+1.
func (s *Store) SaveContract(ctx context.Context, c settlement.Contract, appliedAt string, raw []byte) (version int, created bool, err error) {
	row := contractToRow(c)
	row.AppliedAt, row.RawJSON, row.RecordedAt = appliedAt, string(raw), at(s.nowUTC())
	version, created, err = saveVersion(ctx, s, &row, "contract_id", c.ID, &row.Version, row.Hash)
	if err != nil {
		return 0, false, fmt.Errorf("save contract %q: %w", c.ID, err)
	}
	return version, created, nil
}

// Contract returns version v of a contract (v 0: the latest), or a *NotFoundError.
func (s *Store) Contract(ctx context.Context, id string, v int) (Versioned[settlement.Contract], error) {
	var r contractRow
	if err := latestOrVersion(s.w(ctx), "contract_id", id, v).Take(&r).Error; err != nil {
		return Versioned[settlement.Contract]{}, notFound(err, fmt.Sprintf("contract %q version %d", id, v))
	}
	return r.contract()
}

// SaveDiscountSharePolicy stores a discount-share policy, versioned like SaveContract.
func (s *Store) SaveDiscountSharePolicy(ctx context.Context, p settlement.DiscountSharePolicy, appliedAt string, raw []byte) (version int, created bool, err error) {
	row := discountSharePolicyRow{PolicyID: p.ID, Name: p.Name, PartnerShareRate: int64(p.PartnerShareRate),
		AppliedAt: appliedAt, RawJSON: string(raw), RecordedAt: at(s.nowUTC())}
	row.Hash = sha(p.Name, strconv.FormatInt(row.PartnerShareRate, 10))
	version, created, err = saveVersion(ctx, s, &row, "policy_id", p.ID, &row.Version, row.Hash)
	if err != nil {
		return 0, false, fmt.Errorf("save discount share policy %q: %w", p.ID, err)
	}
	return version, created, nil
}

// DiscountSharePolicy returns version v (0: latest) of a policy.
func (s *Store) DiscountSharePolicy(ctx context.Context, id string, v int) (Versioned[settlement.DiscountSharePolicy], error) {
	var r discountSharePolicyRow
	if err := latestOrVersion(s.w(ctx), "policy_id", id, v).Take(&r).Error; err != nil {
		return Versioned[settlement.DiscountSharePolicy]{}, notFound(err, fmt.Sprintf("discount share policy %q version %d", id, v))
	}
	return Versioned[settlement.DiscountSharePolicy]{Version: int(r.Version), AppliedAt: r.AppliedAt, Raw: []byte(r.RawJSON),
		Value: settlement.DiscountSharePolicy{ID: r.PolicyID, Name: r.Name, PartnerShareRate: settlement.Rate(r.PartnerShareRate)}}, nil
}

// SaveAdditionalFeePolicy stores an additional-fee policy, versioned like SaveContract.
func (s *Store) SaveAdditionalFeePolicy(ctx context.Context, p settlement.AdditionalFeePolicy, appliedAt string, raw []byte) (version int, created bool, err error) {
	row := additionalFeePolicyRow{PolicyID: p.ID, Name: p.Name, FeeKind: string(p.Fee.Kind), FeeRate: int64(p.Fee.Rate),
		FeeAmount: int64(p.Fee.Amount), VatPayer: string(p.VatPayer), AppliedAt: appliedAt, RawJSON: string(raw), RecordedAt: at(s.nowUTC())}
	row.Hash = sha(p.Name, row.FeeKind, strconv.FormatInt(row.FeeRate, 10), strconv.FormatInt(row.FeeAmount, 10), row.VatPayer)
	version, created, err = saveVersion(ctx, s, &row, "policy_id", p.ID, &row.Version, row.Hash)
	if err != nil {
		return 0, false, fmt.Errorf("save additional fee policy %q: %w", p.ID, err)
	}
	return version, created, nil
}

// AdditionalFeePolicy returns version v (0: latest) of a policy.
func (s *Store) AdditionalFeePolicy(ctx context.Context, id string, v int) (Versioned[settlement.AdditionalFeePolicy], error) {
	var r additionalFeePolicyRow
	if err := latestOrVersion(s.w(ctx), "policy_id", id, v).Take(&r).Error; err != nil {
		return Versioned[settlement.AdditionalFeePolicy]{}, notFound(err, fmt.Sprintf("additional fee policy %q version %d", id, v))
	}
	return Versioned[settlement.AdditionalFeePolicy]{Version: int(r.Version), AppliedAt: r.AppliedAt, Raw: []byte(r.RawJSON),
		Value: settlement.AdditionalFeePolicy{ID: r.PolicyID, Name: r.Name, VatPayer: settlement.Payer(r.VatPayer),
			Fee: settlement.Fee{Kind: settlement.FeeKind(r.FeeKind), Rate: settlement.Rate(r.FeeRate), Amount: settlement.Won(r.FeeAmount)}}}, nil
}

// AllDiscountSharePolicies returns the latest version of every discount-share policy.
func (s *Store) AllDiscountSharePolicies(ctx context.Context) (map[string]Versioned[settlement.DiscountSharePolicy], error) {
	var rows []discountSharePolicyRow
	if err := latestOfEach(s.w(ctx), "discount_share_policies").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("discount share policies: %w", err)
	}
	out := make(map[string]Versioned[settlement.DiscountSharePolicy], len(rows))
	for _, r := range rows {
		out[r.PolicyID] = Versioned[settlement.DiscountSharePolicy]{Version: int(r.Version), AppliedAt: r.AppliedAt, Raw: []byte(r.RawJSON),
			Value: settlement.DiscountSharePolicy{ID: r.PolicyID, Name: r.Name, PartnerShareRate: settlement.Rate(r.PartnerShareRate)}}
	}
	return out, nil
}

// AllAdditionalFeePolicies returns the latest version of every additional-fee policy.
func (s *Store) AllAdditionalFeePolicies(ctx context.Context) (map[string]Versioned[settlement.AdditionalFeePolicy], error) {
	var rows []additionalFeePolicyRow
	if err := latestOfEach(s.w(ctx), "additional_fee_policies").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("additional fee policies: %w", err)
	}
	out := make(map[string]Versioned[settlement.AdditionalFeePolicy], len(rows))
	for _, r := range rows {
		out[r.PolicyID] = Versioned[settlement.AdditionalFeePolicy]{Version: int(r.Version), AppliedAt: r.AppliedAt, Raw: []byte(r.RawJSON),
			Value: settlement.AdditionalFeePolicy{ID: r.PolicyID, Name: r.Name, VatPayer: settlement.Payer(r.VatPayer),
				Fee: settlement.Fee{Kind: settlement.FeeKind(r.FeeKind), Rate: settlement.Rate(r.FeeRate), Amount: settlement.Won(r.FeeAmount)}}}
	}
	return out, nil
}

// latestOfEach selects the latest version of each policy of table, in one
// query (through the (policy_id, version) unique index).
func latestOfEach(db *gorm.DB, table string) *gorm.DB {
	return db.Table(table).Where("version = (SELECT MAX(l.version) FROM " + table + " l WHERE l.policy_id = " + table + ".policy_id)")
}

func latestOrVersion(db *gorm.DB, col, id string, v int) *gorm.DB {
	q := db.Where(col+" = ?", id)
	if v > 0 {
		return q.Where("version = ?", v)
	}
	return q.Order("version DESC").Limit(1)
}

// saveVersion inserts row as version latest+1 unless the latest has hash.
// A concurrent refresh that inserts the same version first makes the insert
// fail on (id, version); the retry then sees it.
func saveVersion(ctx context.Context, s *Store, row any, col, id string, version *int64, hash string) (int, bool, error) {
	var v int
	var created bool
	err := retryOnDuplicate(func() error {
		return s.tx(ctx, func(tx *gorm.DB) error {
			var latest struct {
				Version int64
				Hash    string
			}
			res := tx.Model(row).Select("version, hash").Where(col+" = ?", id).Order("version DESC").Limit(1).Scan(&latest)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected > 0 && latest.Hash == hash {
				v, created = int(latest.Version), false
				return nil
			}
			*version = latest.Version + 1
			if err := tx.Create(row).Error; err != nil {
				return err
			}
			v, created = int(*version), true
			return nil
		})
	})
	return v, created, err
}
