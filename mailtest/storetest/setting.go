package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// testSettings checks that settings round-trip, that a put replaces the
// earlier value, and that keys are independent.
func testSettings(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)

	_, err := s.Setting(ctx, "gmail.client")
	assert.ErrorIs(t, err, mailmanager.ErrNotFound, "before the first put")

	steps := []struct {
		key, value string
	}{
		{"gmail.client", "sealed-1"},
		{"outlook.client", "sealed-2"},
		{"gmail.client", "sealed-3"},
	}
	want := map[string]string{}
	for _, step := range steps {
		require.NoError(t, s.PutSetting(ctx, step.key, []byte(step.value)))
		want[step.key] = step.value
		for key, value := range want {
			got, err := s.Setting(ctx, key)
			require.NoError(t, err)
			assert.Equal(t, value, string(got), "%s after putting %s=%s",
				key, step.key, step.value)
		}
	}
}
