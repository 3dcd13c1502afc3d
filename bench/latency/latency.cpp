// Placeholder: the percentile harness lands here.
int main() { return 0; }
