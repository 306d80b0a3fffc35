package dev.hako.snapshot;

/** What a tar entry creates, from its type flag. */
enum EntryType {
    FILE, DIR, SYMLINK, HARDLINK, CHAR, BLOCK, FIFO;

    /** The type of an entry with type flag {@code flag} and name {@code name}; null for one not supported. */
    static EntryType of(byte flag, String name) {
        return switch (flag) {
            case '0', '7' -> FILE; // '7' is a "contiguous file", a plain file everywhere that matters
            case 0 -> name.endsWith("/") ? DIR : FILE; // pre-POSIX tars mark directories by the slash
            case '1' -> HARDLINK;
            case '2' -> SYMLINK;
            case '3' -> CHAR;
            case '4' -> BLOCK;
            case '5' -> DIR;
            case '6' -> FIFO;
            default -> null;
        };
    }
}
