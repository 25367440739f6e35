/// SMS segment counting (SPEC §4): GSM-7 (basic set + extension table, the
/// extension characters counting twice) 160 / 153 per segment, else UCS-2 in
/// UTF-16 code units 70 / 67 per segment.
///
/// TODO(languages helper): implement.
public enum SMSSegments {
    /// The number of segments `text` needs (0 for empty text).
    public static func count(_ text: String) -> Int { 1 }
}
