package mailtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mailmanager/mailmanager/mailtest"
)

func TestLogRecorder_CountsLeakedSecrets(t *testing.T) {
	var r mailtest.LogRecorder
	log := r.Logger()
	r.Secret("tok-123")
	r.Secret("")
	log.Info("refreshed", "account", "acc_1")

	leaked, recorded := r.Leaks()
	assert.Zero(t, leaked)
	assert.Equal(t, 1, recorded)

	log.Debug("oops", "token", "tok-123")
	leaked, _ = r.Leaks()
	assert.Equal(t, 1, leaked)
	assert.Contains(t, r.String(), "refreshed")
}
