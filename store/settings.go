package store

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"
)

// PlatformSetting is the part of PortOne's platform setting that changes
// how settle computes: the settlement-date rule and whether one payment may
// carry several order transfers per partner.
type PlatformSetting struct {
	AdjustSettlementDateAfterHolidayIfEarlier bool
	SupportsMultipleOrderTransfersPerPartner  bool
	Raw                                       []byte // PortOne's JSON
}

// settingEnvironment is the one row's key; test and live PortOne data are
// kept in separate databases, so there is one environment per store.
const settingEnvironment = "portone"

// SavePlatformSetting keeps the setting as last read from PortOne.
func (s *Store) SavePlatformSetting(ctx context.Context, p PlatformSetting) error {
	row := settingRow{Environment: settingEnvironment, AdjustEarlierToNextDay: boolInt(p.AdjustSettlementDateAfterHolidayIfEarlier),
		MultipleOrderTransfers: boolInt(p.SupportsMultipleOrderTransfersPerPartner), RawJSON: string(p.Raw), UpdatedAt: at(s.nowUTC())}
	err := s.w(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "environment"}},
		DoUpdates: clause.AssignmentColumns([]string{"adjust_earlier_to_next_day", "multiple_order_transfers", "raw_json", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save platform setting: %w", err)
	}
	return nil
}

// PlatformSetting returns the setting last saved, or a *NotFoundError
// before the first refresh.
func (s *Store) PlatformSetting(ctx context.Context) (PlatformSetting, error) {
	var r settingRow
	if err := s.w(ctx).Where("environment = ?", settingEnvironment).Take(&r).Error; err != nil {
		return PlatformSetting{}, notFound(err, "platform setting")
	}
	return PlatformSetting{AdjustSettlementDateAfterHolidayIfEarlier: r.AdjustEarlierToNextDay != 0,
		SupportsMultipleOrderTransfersPerPartner: r.MultipleOrderTransfers != 0, Raw: []byte(r.RawJSON)}, nil
}
