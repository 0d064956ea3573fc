//! A minimal `.evtx` writer for tests: one chunk, records whose BinXML spells out every element,
//! attribute and text directly (no templates), with names stored inline in the chunk — the
//! structures MS-EVEN6 describes and every EVTX reader understands. Windows itself uses templates,
//! but a reader must handle both.

/// One XML element to encode.
pub(crate) struct Elem {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) text: Option<String>,
    pub(crate) children: Vec<Elem>,
}

impl Elem {
    /// Converts a parsed XML element (namespaces dropped, as BinXML keeps prefixes only).
    pub(crate) fn from_xml(node: roxmltree::Node<'_, '_>) -> Self {
        let text = node
            .children()
            .filter(roxmltree::Node::is_text)
            .filter_map(|t| t.text())
            .collect::<String>()
            .trim()
            .to_owned();
        Self {
            name: node.tag_name().name().to_owned(),
            attrs: node
                .attributes()
                .filter(|a| a.namespace().is_none() && a.name() != "xmlns")
                .map(|a| (a.name().to_owned(), a.value().to_owned()))
                .collect(),
            text: (!text.is_empty()).then_some(text),
            children: node
                .children()
                .filter(roxmltree::Node::is_element)
                .map(Elem::from_xml)
                .collect(),
        }
    }
}

const CHUNK_SIZE: usize = 65_536;
const CHUNK_HEADER: usize = 512;
const FILE_HEADER: usize = 4096;

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn len16(s: &str) -> u16 {
    u16::try_from(s.encode_utf16().count()).expect("short strings")
}

/// A name reference whose name follows inline (offset = where it starts in the chunk).
fn name(chunk: &mut Vec<u8>, n: &str) {
    let here = u32::try_from(chunk.len() + 4).expect("inside a chunk");
    put_u32(chunk, here);
    put_u32(chunk, 0); // next string in the hash bucket
    put_u16(chunk, 0); // hash (not checked for chunk names)
    put_u16(chunk, len16(n));
    chunk.extend(utf16(n));
    put_u16(chunk, 0);
}

/// A value token holding a UTF-16 string.
fn text(chunk: &mut Vec<u8>, t: &str) {
    chunk.push(0x05);
    chunk.push(0x01);
    put_u16(chunk, len16(t));
    chunk.extend(utf16(t));
}

fn patch_u32(chunk: &mut [u8], at: usize, v: usize) {
    let v = u32::try_from(v).expect("inside a chunk");
    chunk[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn element(chunk: &mut Vec<u8>, e: &Elem) {
    chunk.push(if e.attrs.is_empty() { 0x01 } else { 0x41 });
    let size_at = chunk.len();
    put_u32(chunk, 0); // data size, patched below
    name(chunk, &e.name);
    if !e.attrs.is_empty() {
        let list_at = chunk.len();
        put_u32(chunk, 0); // attribute list size, patched below
        for (i, (n, v)) in e.attrs.iter().enumerate() {
            chunk.push(if i + 1 < e.attrs.len() { 0x46 } else { 0x06 });
            name(chunk, n);
            text(chunk, v);
        }
        let len = chunk.len() - list_at - 4;
        patch_u32(chunk, list_at, len);
    }
    if e.text.is_none() && e.children.is_empty() {
        chunk.push(0x03);
    } else {
        chunk.push(0x02);
        if let Some(t) = &e.text {
            text(chunk, t);
        }
        for c in &e.children {
            element(chunk, c);
        }
        chunk.push(0x04);
    }
    let len = chunk.len() - size_at - 4;
    patch_u32(chunk, size_at, len);
}

/// An `.evtx` file holding `events` (record id, FILETIME, root element), in one chunk.
pub(crate) fn write(events: &[(u64, u64, Elem)]) -> Vec<u8> {
    let mut chunk = vec![0u8; CHUNK_HEADER];
    let mut last_record = 0usize;
    for (id, filetime, root) in events {
        let start = chunk.len();
        last_record = start;
        chunk.extend([0x2a, 0x2a, 0, 0]);
        put_u32(&mut chunk, 0); // size, patched below
        chunk.extend(id.to_le_bytes());
        chunk.extend(filetime.to_le_bytes());
        chunk.extend([0x0f, 1, 1, 0]); // fragment header
        element(&mut chunk, root);
        chunk.push(0x00); // end of stream
        put_u32(&mut chunk, 0); // no template substitutions
        let size = u32::try_from(chunk.len() - start + 4).expect("small record");
        put_u32(&mut chunk, size);
        chunk[start + 4..start + 8].copy_from_slice(&size.to_le_bytes());
    }
    assert!(chunk.len() <= CHUNK_SIZE, "the test events fit one chunk");
    let free = u32::try_from(chunk.len()).expect("inside a chunk");
    chunk.resize(CHUNK_SIZE, 0);
    let n = events.len() as u64;
    let first_id = events.first().map_or(1, |e| e.0);
    let last_id = events.last().map_or(1, |e| e.0);
    chunk[0..8].copy_from_slice(b"ElfChnk\0");
    chunk[8..16].copy_from_slice(&1u64.to_le_bytes());
    chunk[16..24].copy_from_slice(&n.to_le_bytes());
    chunk[24..32].copy_from_slice(&first_id.to_le_bytes());
    chunk[32..40].copy_from_slice(&last_id.to_le_bytes());
    chunk[40..44].copy_from_slice(&128u32.to_le_bytes());
    chunk[44..48].copy_from_slice(&u32::try_from(last_record).expect("offset").to_le_bytes());
    chunk[48..52].copy_from_slice(&free.to_le_bytes());

    let mut file = vec![0u8; FILE_HEADER];
    file[0..8].copy_from_slice(b"ElfFile\0");
    file[24..32].copy_from_slice(&(last_id + 1).to_le_bytes()); // next record id
    file[32..36].copy_from_slice(&128u32.to_le_bytes());
    file[36..38].copy_from_slice(&1u16.to_le_bytes()); // minor version
    file[38..40].copy_from_slice(&3u16.to_le_bytes()); // major version
    file[40..42].copy_from_slice(&4096u16.to_le_bytes());
    file[42..44].copy_from_slice(&1u16.to_le_bytes()); // one chunk
    file.extend(chunk);
    file
}
