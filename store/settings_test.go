package store

import (
	"context"
	"errors"
	"testing"
)

func TestPlatformSetting(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store, _ *clock, _ testDB) {
		ctx := context.Background()
		if _, err := s.PlatformSetting(ctx); !errors.Is(err, ErrNotFound) {
			t.Fatalf("before any refresh: %v, want ErrNotFound", err)
		}
		for _, want := range []PlatformSetting{
			{AdjustSettlementDateAfterHolidayIfEarlier: true, Raw: []byte(`{"a":1}`)},
			{SupportsMultipleOrderTransfersPerPartner: true, Raw: []byte(`{"a":2}`)},
		} {
			if err := s.SavePlatformSetting(ctx, want); err != nil {
				t.Fatal(err)
			}
			got, err := s.PlatformSetting(ctx)
			if err != nil || got.AdjustSettlementDateAfterHolidayIfEarlier != want.AdjustSettlementDateAfterHolidayIfEarlier ||
				got.SupportsMultipleOrderTransfersPerPartner != want.SupportsMultipleOrderTransfersPerPartner || string(got.Raw) != string(want.Raw) {
				t.Errorf("PlatformSetting = %+v, %v; want %+v", got, err, want)
			}
		}
		if n := count(t, s, "platform_settings"); n != 1 {
			t.Errorf("%d setting rows, want 1 (the latest refresh wins)", n)
		}
	})
}
