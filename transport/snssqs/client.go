package snssqs

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// ConnectConfig says where the AWS clients connect. A nil *ConnectConfig
// means the SDK's defaults.
type ConnectConfig struct {
	// Region, e.g. "ap-southeast-2". Default: the SDK's (AWS_REGION, the
	// shared config).
	Region string
	// Endpoint overrides the service endpoints, e.g. http://127.0.0.1:4100
	// for GoAws or http://localhost:4566 for LocalStack (the clients'
	// BaseEndpoint). Empty: AWS.
	Endpoint string
	// Credentials override the SDK's default chain; nil keeps it.
	Credentials aws.CredentialsProvider
	// LocalServer, with Credentials nil, signs requests with placeholder
	// credentials when the environment has none (AWS_ACCESS_KEY_ID unset):
	// local servers such as GoAws accept any.
	LocalServer bool
	// HTTPClient, when set, makes the clients' requests (proxies, timeouts,
	// connection pools); nil keeps the SDK's. With a custom CA bundle
	// (AWS_CA_BUNDLE) it must be the SDK's own kind
	// (awshttp.NewBuildableClient), which the SDK can give the bundle.
	HTTPClient aws.HTTPClient
	// LoadOptions are further options of config.LoadDefaultConfig (a
	// profile, retry settings, an assumed role), applied after the above.
	LoadOptions []func(*config.LoadOptions) error
}

// Connect loads the AWS configuration the SDK's way
// (config.LoadDefaultConfig: environment, shared files, roles) and returns
// SNS and SQS clients, with the endpoint override for local servers. Code
// that already has an aws.Config can call sns.NewFromConfig and
// sqs.NewFromConfig itself instead.
func Connect(ctx context.Context, cfg *ConnectConfig) (*sns.Client, *sqs.Client, error) {
	awsCfg, err := loadConfig(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	var endpoint string
	if cfg != nil {
		endpoint = cfg.Endpoint
	}
	return NewClients(awsCfg, endpoint)
}

// ConnectS3 returns an S3 client as Connect returns the SNS and SQS ones:
// the client of a topology's claim-check bucket (DriverConfig.S3). With an
// endpoint it addresses buckets by path, as local servers need. It leaves
// the checksums of responses unchecked: the claim check verifies each
// object's SHA-256 digest itself.
func ConnectS3(ctx context.Context, cfg *ConnectConfig) (*s3.Client, error) {
	awsCfg, err := loadConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if awsCfg.Region == "" {
		return nil, fmt.Errorf("snssqs: no AWS region: set AWS_REGION or pass one")
	}
	return s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		// The claim check verifies each object's SHA-256 digest itself.
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		if cfg != nil && cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
		}
	}), nil
}

// loadConfig loads the AWS configuration of a ConnectConfig.
func loadConfig(ctx context.Context, cfg *ConnectConfig) (aws.Config, error) {
	var cc ConnectConfig
	if cfg != nil {
		cc = *cfg
	}
	var opts []func(*config.LoadOptions) error
	if cc.Region != "" {
		opts = append(opts, config.WithRegion(cc.Region))
	}
	creds := cc.Credentials
	if creds == nil && cc.LocalServer && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		creds = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	if creds != nil {
		opts = append(opts, config.WithCredentialsProvider(creds))
	}
	if cc.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(cc.HTTPClient))
	}
	opts = append(opts, cc.LoadOptions...)
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("snssqs: AWS configuration: %w", err)
	}
	return awsCfg, nil
}

// NewClients returns SNS and SQS clients of cfg, with endpoint as their
// BaseEndpoint when it is not empty.
func NewClients(cfg aws.Config, endpoint string) (*sns.Client, *sqs.Client, error) {
	if cfg.Region == "" {
		return nil, nil, fmt.Errorf("snssqs: no AWS region: set AWS_REGION or pass one")
	}
	snsClient := sns.NewFromConfig(cfg, func(o *sns.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	sqsClient := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return snsClient, sqsClient, nil
}
