package io.jobfleet.cli;

/** One figure of {@code jobfleet bench}: what, how much, and its ratio to this Redis's own limit where one applies. */
record Row(
        String phase,
        String name,
        double value,
        String unit,
        Double ratio,
        String ratioTo,
        Double roundTripsPerJob,
        Double commandsPerJob,
        Double redisCpuUsPerJob,
        String note) {
    static Row info(String phase, String name, double value, String unit, String note) {
        return new Row(phase, name, value, unit, null, null, null, null, null, note);
    }

    static Row withNote(Row r, String note) {
        return new Row(
                r.phase(),
                r.name(),
                r.value(),
                r.unit(),
                r.ratio(),
                r.ratioTo(),
                r.roundTripsPerJob(),
                r.commandsPerJob(),
                r.redisCpuUsPerJob(),
                note);
    }
}
