-- gradflow (sqlite): train-the-trainer. A certifying program may name, for
-- its cohorts' coordinators and for their committee members (the pool and
-- anyone given a role that judges the work), another program whose valid
-- certificate they must hold when the role is given. Numbered in parallel
-- with ../postgres.
ALTER TABLE program_certifications ADD COLUMN coordinators_need BIGINT REFERENCES programs (id);
ALTER TABLE program_certifications ADD COLUMN committee_need BIGINT REFERENCES programs (id);
