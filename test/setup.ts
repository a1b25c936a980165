import 'aws-sdk-client-mock-jest';

// Local Node is 20 and the SDK version is pinned in the lock file (see README, "Node and the AWS SDK"); its
// once-per-process notice about Node 22 would repeat in every test file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
