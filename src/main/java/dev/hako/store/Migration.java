package dev.hako.store;

import java.util.List;

/** One step of the schema: applied once, in order, inside a transaction; {@code version} counts from 1. */
record Migration(int version, String description, List<String> statements) {}
