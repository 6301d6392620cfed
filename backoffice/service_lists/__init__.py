"""案内リスト: lists of directory services staff assemble and print as a handout."""
