package snssqs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// ClaimCheck implements driver.ClaimCheckProvider: a topology's claim-check
// bucket on S3 (DriverConfig.S3), its objects named s3://<bucket>/<key>.
// Data of a domain with a KMS key is encrypted with it (SSE-KMS), other
// data with S3's keys (SSE-S3).
func (d *Driver) ClaimCheck(t *topology.Topology) (driver.ClaimCheck, error) {
	if t.ClaimCheck == nil {
		return nil, nil
	}
	if d.cfg.S3 == nil {
		return nil, errNoS3(t)
	}
	c := &claims{s3: d.cfg.S3, bucket: t.ClaimCheck.Bucket, kms: map[string]string{}}
	for _, dom := range t.Domains {
		if dom.Encryption != nil && dom.Encryption.KMSKeyID != "" {
			c.kms[dom.Name] = dom.Encryption.KMSKeyID
		}
	}
	return c, nil
}

func errNoS3(t *topology.Topology) error {
	return fmt.Errorf("snssqs: the topology's claim-check bucket %s needs an S3 client: set DriverConfig.S3 (ConnectS3)", t.ClaimCheck.Bucket)
}

// claims is a claim-check bucket.
type claims struct {
	s3     S3API
	bucket string
	kms    map[string]string // KMS key by domain
}

func (c *claims) Put(ctx context.Context, domain, key string, data []byte) (string, error) {
	in := &s3.PutObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(key), Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String("application/json"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256}
	if k, ok := c.kms[domain]; ok {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(k)
	}
	if _, err := c.s3.PutObject(ctx, in); err != nil {
		return "", fmt.Errorf("snssqs: S3 PutObject to %s: %w", c.bucket, err)
	}
	return "s3://" + c.bucket + "/" + key, nil
}

func (c *claims) Get(ctx context.Context, ref string, max int) ([]byte, error) {
	key, ok := strings.CutPrefix(ref, "s3://"+c.bucket+"/")
	if !ok || key == "" {
		return nil, fmt.Errorf("snssqs: %w (the topology's is s3://%s)", driver.ErrForeignRef, c.bucket)
	}
	out, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(key)})
	var noKey *s3types.NoSuchKey
	switch {
	case errors.As(err, &noKey):
		return nil, fmt.Errorf("snssqs: claim-checked data: %w", driver.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("snssqs: S3 GetObject from %s: %w", c.bucket, err)
	}
	defer out.Body.Close()
	if n := aws.ToInt64(out.ContentLength); n > int64(max) {
		return nil, fmt.Errorf("snssqs: claim-checked data of %d bytes, over %d: %w", n, max, driver.ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(out.Body, int64(max)+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("snssqs: S3 GetObject from %s: %w", c.bucket, err)
	case len(data) > max:
		return nil, fmt.Errorf("snssqs: claim-checked data over %d bytes: %w", max, driver.ErrTooLarge)
	}
	return data, nil
}

// claimExpiryDays is how long the bucket keeps an object, in whole days.
const claimExpiryDays = int32((topology.ClaimRetention + 24*time.Hour - 1) / (24 * time.Hour))

// provisionBucket creates the claim-check bucket, or finds it, and brings
// its encryption and lifecycle to the topology.
func (d *Driver) provisionBucket(ctx context.Context, t *topology.Topology) error {
	if d.cfg.S3 == nil {
		return errNoS3(t)
	}
	bucket := aws.String(t.ClaimCheck.Bucket)
	in := &s3.CreateBucketInput{Bucket: bucket}
	if r := s3Region(d.cfg.S3); r != "" && r != "us-east-1" { // us-east-1 takes no constraint
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(r)}
	}
	var owned *s3types.BucketAlreadyOwnedByYou
	if _, err := d.cfg.S3.CreateBucket(ctx, in); err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("snssqs: create bucket %s: %w", t.ClaimCheck.Bucket, err)
	}
	if _, err := d.cfg.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: bucket,
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}}); err != nil {
		return fmt.Errorf("snssqs: encryption of bucket %s: %w", t.ClaimCheck.Bucket, err)
	}
	if _, err := d.cfg.S3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: bucket,
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: aws.String("elmo-claim-expiry"), Status: s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(claimExpiryDays)}}}}}); err != nil {
		return fmt.Errorf("snssqs: lifecycle of bucket %s: %w", t.ClaimCheck.Bucket, err)
	}
	return nil
}

// s3Region returns the region of an *s3.Client, "" for another S3API.
func s3Region(c S3API) string {
	if o, ok := c.(interface{ Options() s3.Options }); ok {
		return o.Options().Region
	}
	return ""
}

// teardownBucket deletes the claim-check bucket with its objects.
func (d *Driver) teardownBucket(ctx context.Context, t *topology.Topology) error {
	if d.cfg.S3 == nil {
		return errNoS3(t)
	}
	bucket := aws.String(t.ClaimCheck.Bucket)
	var noBucket *s3types.NoSuchBucket
	for {
		out, err := d.cfg.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket})
		if errors.As(err, &noBucket) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("snssqs: listing bucket %s: %w", t.ClaimCheck.Bucket, err)
		}
		if len(out.Contents) == 0 {
			break
		}
		var ids []s3types.ObjectIdentifier
		for _, o := range out.Contents {
			ids = append(ids, s3types.ObjectIdentifier{Key: o.Key})
		}
		if _, err := d.cfg.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bucket, Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return fmt.Errorf("snssqs: emptying bucket %s: %w", t.ClaimCheck.Bucket, err)
		}
	}
	if _, err := d.cfg.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bucket}); err != nil && !errors.As(err, &noBucket) {
		return fmt.Errorf("snssqs: delete bucket %s: %w", t.ClaimCheck.Bucket, err)
	}
	return nil
}
