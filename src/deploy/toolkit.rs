//! The toolkit stack `bootstrap` creates in each account and region: the
//! assets bucket that function packages and large templates are uploaded to.

use crate::cfn::intrinsic::sub;
use crate::cfn::Template;
use crate::components::bucket::PrivateBucket;
use crate::error::Error;

/// The toolkit stack's default name.
pub const DEFAULT_STACK: &str = "blueprint-toolkit";
/// The bucket's logical ID.
pub const BUCKET_RESOURCE: &str = "AssetsBucket";
/// The output naming the bucket.
pub const BUCKET_OUTPUT: &str = "AssetsBucketName";

/// The toolkit template: a private, encrypted, versioned bucket that only
/// accepts TLS, with old versions expiring, its name exported.
pub fn template() -> Result<Template, Error> {
    let mut t = Template::new(
        "blueprint toolkit: the assets bucket for function packages and large templates",
    );
    let bucket = PrivateBucket {
        id: BUCKET_RESOURCE,
        noncurrent_version_days: Some(30),
        retain: true,
        requirements: &[],
        ..Default::default()
    }
    .add_to(&mut t)?;
    t.output(
        BUCKET_OUTPUT,
        "The bucket blueprint uploads assets to",
        bucket.r#ref(),
        Some(sub("${AWS::StackName}-AssetsBucket").into()),
    )?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_is_private_encrypted_versioned_and_tls_only() {
        let doc = template().unwrap().to_json();
        let b = &doc["Resources"]["AssetsBucket"]["Properties"];
        assert_eq!(b["VersioningConfiguration"]["Status"], "Enabled");
        assert_eq!(
            b["PublicAccessBlockConfiguration"]["BlockPublicPolicy"],
            true
        );
        assert_eq!(
            b["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                ["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "AES256"
        );
        let deny =
            &doc["Resources"]["AssetsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!(deny["Condition"]["Bool"]["aws:SecureTransport"][0], "false");
        assert_eq!(
            doc["Outputs"][BUCKET_OUTPUT]["Export"]["Name"]["Fn::Sub"],
            "${AWS::StackName}-AssetsBucket"
        );
    }
}
