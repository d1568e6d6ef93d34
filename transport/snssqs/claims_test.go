package snssqs_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

func s3Of(t testing.TB, endpoint string) *s3.Client {
	t.Helper()
	c, err := snssqs.ConnectS3(context.Background(), &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	require.NoError(t, err)
	return c
}

func claimSpec() *topology.Topology {
	env := newEnvName()
	return &topology.Topology{Env: env, Domains: []topology.Domain{{Name: "payroll"}},
		Services:   []topology.Service{{Name: "ledger", Consumes: []string{"elmo.payroll.pay_run.completed.v1"}}},
		ClaimCheck: &topology.ClaimCheck{Bucket: "elmo-" + env + "-claims"}}
}

// claimWorld is a topology with a claim-check bucket, opened on a server.
type claimWorld struct {
	topo *topology.Topology
	bus  *transport.Bus
	s3   *s3.Client
}

// TestClaimCheckOnFauxqs: fauxqs serves SNS, SQS and S3 on one endpoint:
// the driver provisions the bucket with the rest, converges, and tears it
// down.
func TestClaimCheckOnFauxqs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := fauxqsServer()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	s3C := s3Of(t, srv.endpoint)
	topo := claimSpec()
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second, S3: s3C})
	require.NoError(t, err)
	require.NoError(t, d.Provision(ctx, topo))
	require.NoError(t, d.Provision(ctx, topo), "a second run converges")
	steps, err := d.Plan(topo)
	require.NoError(t, err)
	assert.Equal(t, "create-bucket", steps[1].Action)
	assert.Contains(t, steps[1].Detail, "objects expire after 14d")

	bus, err := transport.Open(ctx, d, topo, nil)
	require.NoError(t, err)
	claimScenarios(t, &claimWorld{topo: topo, bus: bus, s3: s3C})

	require.NoError(t, d.Teardown(ctx, topo))
	_, err = s3C.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(topo.ClaimCheck.Bucket)})
	var noBucket *s3types.NoSuchBucket
	assert.ErrorAs(t, err, &noBucket, "the bucket is gone")
}

// bucketAdmin records the bucket requests of provisioning: fauxqs accepts
// the encryption and lifecycle settings without keeping them.
type bucketAdmin struct {
	snssqs.S3API
	calls []string
}

func (f *bucketAdmin) CreateBucket(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	f.calls = append(f.calls, "create "+aws.ToString(in.Bucket))
	return &s3.CreateBucketOutput{}, nil
}

func (f *bucketAdmin) PutBucketEncryption(_ context.Context, in *s3.PutBucketEncryptionInput, _ ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error) {
	f.calls = append(f.calls, "encryption "+string(in.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm))
	return &s3.PutBucketEncryptionOutput{}, nil
}

func (f *bucketAdmin) PutBucketLifecycleConfiguration(_ context.Context, in *s3.PutBucketLifecycleConfigurationInput, _ ...func(*s3.Options)) (*s3.PutBucketLifecycleConfigurationOutput, error) {
	r := in.LifecycleConfiguration.Rules[0]
	f.calls = append(f.calls, fmt.Sprintf("lifecycle %s expire %dd prefix %q", r.Status, aws.ToInt32(r.Expiration.Days), aws.ToString(r.Filter.Prefix)))
	return &s3.PutBucketLifecycleConfigurationOutput{}, nil
}

// TestProvisionBucketRequests: the bucket's encryption (SSE-S3) and
// lifecycle (expiry after the dead-letter queues' 14 days) as sent.
func TestProvisionBucketRequests(t *testing.T) {
	f := &bucketAdmin{}
	d, err := snssqs.NewDriver(&topicAdmin{}, noQueues{}, &snssqs.DriverConfig{S3: f})
	require.NoError(t, err)
	topo := &topology.Topology{Env: "prod", Domains: []topology.Domain{{Name: "payroll"}}, ClaimCheck: &topology.ClaimCheck{Bucket: "elmo-prod-claims"}}
	require.NoError(t, d.Provision(context.Background(), topo))
	assert.Equal(t, []string{"create elmo-prod-claims", "encryption AES256", `lifecycle Enabled expire 14d prefix ""`}, f.calls)

	noS3, err := snssqs.NewDriver(&topicAdmin{}, noQueues{}, nil)
	require.NoError(t, err)
	err = noS3.Provision(context.Background(), topo)
	assert.ErrorContains(t, err, "needs an S3 client: set DriverConfig.S3")
}

// TestClaimCheckOnGofakes3: GoAws for SNS and SQS, gofakes3 in process for
// S3. gofakes3 has no bucket encryption or lifecycle: the test makes the
// bucket itself and provisions the rest.
func TestClaimCheckOnGofakes3(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(fake.Close)
	s3C := s3Of(t, fake.URL)
	snsC, sqsC := clientsOf(t, testServers()[0].endpoint)
	topo := claimSpec()
	withoutBucket := *topo
	withoutBucket.ClaimCheck = nil
	provision(t, snsC, sqsC, &withoutBucket)
	_, err := s3C.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(topo.ClaimCheck.Bucket)})
	require.NoError(t, err)
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second, S3: s3C})
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, nil)
	require.NoError(t, err)
	claimScenarios(t, &claimWorld{topo: topo, bus: bus, s3: s3C})
}

// claimScenarios publishes a 5 MiB event, two whose objects are then
// tampered with and deleted, and one naming a foreign bucket: the first
// is handled whole, the others dead-lettered with their reasons.
func claimScenarios(t *testing.T, w *claimWorld) {
	t.Helper()
	ctx := context.Background()
	big, tampered, lost := sized(t, "elmo.payroll.pay_run.completed.v1", 5<<20), sized(t, "elmo.payroll.pay_run.completed.v1", 300<<10), sized(t, "elmo.payroll.pay_run.completed.v1", 300<<10)
	foreign := sized(t, "elmo.payroll.pay_run.completed.v1", 0)
	foreign.Data, foreign.DataRef, foreign.DataDigest = nil, "s3://someone-elses-bucket/x", envelope.Digest([]byte(`{}`))
	require.NoError(t, w.bus.Publisher().Publish(ctx, big, tampered, lost, foreign))
	key := func(e *envelope.Envelope) *string { return aws.String(e.Type + "/" + e.ID) }
	_, err := w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(w.topo.ClaimCheck.Bucket), Key: key(tampered),
		Body: bytes.NewReader([]byte(`{"note":"forged"}`))})
	require.NoError(t, err)
	_, err = w.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(w.topo.ClaimCheck.Bucket), Key: key(lost)})
	require.NoError(t, err)

	var mu sync.Mutex
	handled := map[string]int{}
	cons, err := w.bus.Consumer(ctx, "ledger", &transport.ConsumerConfig{MaxAttempts: 1})
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc("elmo.payroll.pay_run.completed.v1", func(_ context.Context, d *transport.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		handled[d.Envelope.ID] = len(d.Envelope.Data)
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	defer cons.Shutdown(ctx) //nolint:errcheck
	var reasons map[string]string
	require.Eventually(t, func() bool {
		dls, err := w.bus.DeadLetters(ctx, "ledger", 10)
		if err != nil {
			return false
		}
		reasons = map[string]string{}
		for _, dl := range dls {
			e, err := envelope.Decode(dl.Body)
			if err == nil {
				reasons[e.ID] = dl.Reason
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return len(reasons) == 3 && len(handled) == 1
	}, time.Minute, 100*time.Millisecond)
	assert.Equal(t, map[string]int{big.ID: len(big.Data)}, handled, "the 5 MiB event handled whole")
	assert.Contains(t, reasons[tampered.ID], "does not match its datadigest")
	assert.Contains(t, reasons[lost.ID], "not found")
	assert.Contains(t, reasons[foreign.ID], "outside the claim-check store")
	for _, r := range reasons {
		assert.True(t, strings.HasPrefix(r, "transport: claim check failed"), r)
		assert.NotContains(t, r, "xxxx")
	}
}
