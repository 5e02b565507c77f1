//! Scanned copies of the materials on an application's checklist. A file is accepted by
//! what it is (PDF, JPEG or PNG, told by its first bytes, never by its name) and by size;
//! it is kept in the database under its SHA-256, outside anything the web server serves,
//! and handed out only to those who may see the application, after its checksum is checked.

use crate::Reason;
use crate::error::ServiceError;
use crate::{Actor, Service, audit};
use jifen_domain::audit::Audit;
use jifen_domain::materials::Material;
use jifen_store::prelude::*;
use jifen_store::{NewUpload, Upload, now_millis};
use sha2::{Digest, Sha256};

/// The largest file accepted: a scan of a page or two.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// The content type and usual extension of a PDF, JPEG or PNG file, by its first bytes.
pub fn detect_content_type(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    const KINDS: [(&[u8], &str, &str); 3] = [
        (b"%PDF-", "application/pdf", "pdf"),
        (&[0xFF, 0xD8, 0xFF], "image/jpeg", "jpg"),
        (&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A], "image/png", "png"),
    ];
    KINDS.iter().find(|(magic, _, _)| bytes.starts_with(magic)).map(|(_, kind, extension)| (*kind, *extension))
}

/// A file chosen for one material of the checklist, as it arrived.
pub struct ChosenFile {
    pub material: String,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// What is kept of a chosen file, or why it is refused: a material that is brought to the
/// counter, an empty or too large file, or one that is not a PDF, JPEG or PNG.
fn check_file(id: ApplicationId, listed: &Material, file: ChosenFile) -> Result<NewUpload, ServiceError> {
    if listed.at_counter {
        return Err(ServiceError::refused(
            Reason::AtCounter,
            "此材料盖章后带到区人才服务中心窗口，无需上传",
            "This is stamped and brought to the district centre's counter, not uploaded",
        ));
    }
    if file.bytes.is_empty() {
        return Err(ServiceError::refused(Reason::EmptyFile, "文件是空的", "The file is empty"));
    }
    if file.bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ServiceError::refused(
            Reason::FileTooLarge,
            format!("文件超过 {} MB", MAX_UPLOAD_BYTES / 1024 / 1024),
            format!("The file is larger than {} MB", MAX_UPLOAD_BYTES / 1024 / 1024),
        ));
    }
    let Some((content_type, extension)) = detect_content_type(&file.bytes) else {
        return Err(ServiceError::refused(
            Reason::FileType,
            "只接受 PDF、JPEG 或 PNG 文件（按文件内容判断）",
            "Only PDF, JPEG or PNG files are accepted (judged by their content)",
        ));
    };
    Ok(NewUpload {
        application_id: id,
        filename: clean_filename(&file.filename, &file.material, extension),
        material: file.material,
        content_type: content_type.to_string(),
        sha256: sha256_hex(&file.bytes),
        bytes: file.bytes,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The name to keep: its last path component, cleaned of control, bidirectional and path
/// characters ([`jifen_domain::text::clean_file_name`]), with the extension of what the file
/// really is (a PDF uploaded as `scan.html` is kept as `scan.pdf`); the material's id when
/// nothing is left.
pub fn clean_filename(name: &str, material: &str, extension: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned = jifen_domain::text::clean_file_name(last);
    let stem = cleaned.as_deref().map(|name| name.rsplit_once('.').map_or(name, |(stem, _)| stem.trim()));
    format!("{}.{extension}", stem.filter(|stem| !stem.is_empty()).unwrap_or(material))
}

impl Service {
    /// Adds a file for one material of the application's checklist. The applicant may while
    /// the form is theirs to change; the employer's HR agent while the application is open.
    pub async fn upload_material(
        &self,
        actor: &Actor,
        id: ApplicationId,
        material: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<Upload, ServiceError> {
        let file = ChosenFile { material: material.to_string(), filename: filename.to_string(), bytes };
        let mut added = self.upload_materials(actor, id, vec![file]).await?;
        added.pop().ok_or_else(|| ServiceError::Internal("no upload stored".into()))
    }

    /// Adds several files at once (the form's upload sends every file chosen on it): all of
    /// them or none. Each is checked as [`Self::upload_material`] checks one; a refusal of
    /// one of several names its material, and nothing is kept.
    pub async fn upload_materials(
        &self,
        actor: &Actor,
        id: ApplicationId,
        files: Vec<ChosenFile>,
    ) -> Result<Vec<Upload>, ServiceError> {
        let application = self.visible(actor, id).await?.application;
        if !self.may_upload(actor, &application) {
            return Err(ServiceError::refused(
                Reason::NotUploadable,
                "当前不能为这份申请上传材料",
                "Files cannot be added to this application now",
            ));
        }
        let checklist = self.materials.checklist(&application.fields);
        // The form has one file field a material: more files than materials is no form's
        // upload (and tiny files by the hundred thousand would fit the size limit).
        if files.len() > checklist.len() {
            return Err(ServiceError::refused(
                Reason::TooManyFiles,
                format!("一次最多上传 {} 个文件（每项材料一个）", checklist.len()),
                format!("At most {} files at once (one a material)", checklist.len()),
            ));
        }
        let several = files.len() > 1;
        let mut uploads = Vec::with_capacity(files.len());
        for file in files {
            let Some(listed) = checklist.iter().find(|m| m.id == file.material) else {
                return Err(ServiceError::NotFound);
            };
            let upload = check_file(id, listed, file).map_err(|error| match (several, error) {
                (true, ServiceError::Refused { reason, zh, en }) => ServiceError::Refused {
                    reason,
                    zh: format!("{}：{zh}", listed.title.zh),
                    en: format!("{}: {en}", listed.title.en),
                },
                (_, error) => error,
            })?;
            let uploaded = Audit::MaterialUpload {
                material: upload.material.clone(),
                sha256: upload.sha256.clone(),
                size: upload.bytes.len(),
            };
            uploads.push((upload, audit(actor, uploaded, format!("application:{id}"))));
        }
        Ok(self.store.add_uploads(&uploads, actor.id, now_millis()).await?)
    }

    /// A file and its bytes, for someone who may see its application; the download is
    /// audited and the bytes are checked against the checksum they were stored under.
    pub async fn download_material(
        &self,
        actor: &Actor,
        upload_id: UploadId,
    ) -> Result<(Upload, Vec<u8>), ServiceError> {
        let upload = self.store.upload(upload_id).await?.ok_or(ServiceError::NotFound)?;
        self.visible(actor, upload.application_id).await?;
        let bytes = self.store.blob(&upload.sha256).await?.ok_or_else(|| {
            ServiceError::Internal(format!("upload {upload_id}: content {} is missing", upload.sha256))
        })?;
        if sha256_hex(&bytes) != upload.sha256 {
            return Err(ServiceError::Internal(format!("upload {upload_id}: content does not match its checksum")));
        }
        let opened = Audit::MaterialDownload { upload: upload_id, material: upload.material.clone() };
        let entry = audit(actor, opened, format!("application:{}", upload.application_id));
        self.store.record_audit(&entry).await?;
        Ok((upload, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_by_their_first_bytes() {
        assert_eq!(detect_content_type(b"%PDF-1.7\n..."), Some(("application/pdf", "pdf")));
        assert_eq!(detect_content_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(("image/jpeg", "jpg")));
        assert_eq!(detect_content_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(("image/png", "png")));
        assert_eq!(detect_content_type(b"<html><script>"), None);
        assert_eq!(detect_content_type(b"MZ\x90\0 a program named scan.pdf"), None);
        assert_eq!(detect_content_type(b""), None);
    }

    #[test]
    fn kept_names_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("C:\\Users\\张\\身份证.pdf", "id_card", "pdf"), "身份证.pdf");
        assert_eq!(clean_filename("../../etc/passwd", "id_card", "pdf"), "passwd.pdf");
        assert_eq!(clean_filename("a\"b\r\n.png", "diploma", "png"), "ab.png");
        assert_eq!(clean_filename("..", "diploma", "png"), "diploma.png");
        assert_eq!(clean_filename("", "diploma", "jpg"), "diploma.jpg");
        // The extension is what the file is, and nothing can make the name read backwards.
        assert_eq!(clean_filename("scan.html", "id_card", "pdf"), "scan.pdf");
        assert_eq!(clean_filename("photo\u{202e}gpj.exe", "id_card", "png"), "photogpj.png");
        assert_eq!(clean_filename("结婚证.扫描.JPG", "marriage", "jpg"), "结婚证.扫描.jpg");
    }

    #[test]
    fn checksums_are_sha256_in_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
