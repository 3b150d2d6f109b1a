-- The duplicate check of every new report looks for open cases of its matter type near its point
-- within a recent window. By matter type and longitude first, it reads only the strip of cases
-- around the point, and finds latitude, report time and state in the index itself, without
-- visiting the rows: its cost follows the cases near the point, not all cases of the type in the
-- window.
CREATE INDEX cases_near ON cases(matter_code, lon, lat, reported_at, state);
