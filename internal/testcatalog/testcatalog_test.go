package testcatalog_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/testcatalog"
	"github.com/elmosoftware/eventprotocol/naming"
)

func TestSignedUpV10(t *testing.T) {
	signedUp := naming.MustParseType("elmo.identity.client.signed_up.v1")
	cat, err := testcatalog.SignedUpV10()
	require.NoError(t, err)
	versions := cat.Versions(signedUp)
	require.Len(t, versions, 1)
	assert.Equal(t, 0, versions[0].ID().Minor)

	all, err := testcatalog.Without()
	require.NoError(t, err)
	assert.Len(t, all.Versions(signedUp), 3)
	assert.Greater(t, len(all.Schemas()), len(cat.Schemas()))
}
