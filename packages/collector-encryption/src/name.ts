/** The collector's name, as recorded in snapshots. */
export const NAME = "encryption";

/** The collector's version, as recorded in snapshots. */
export const VERSION = "0.1.0";
