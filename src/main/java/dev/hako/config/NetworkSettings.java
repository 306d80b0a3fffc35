package dev.hako.config;

import java.nio.file.Path;
import java.util.List;

/** The {@code [network]} table: where CNI network configurations and plugin binaries are found. */
public record NetworkSettings(Path cniConfDir, List<Path> cniBinDirs) {
    public NetworkSettings {
        cniBinDirs = List.copyOf(cniBinDirs);
    }
}
