pub fn dump(_c: &super::Config) -> String {
    String::new()
}
