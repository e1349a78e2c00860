//! What the files name: departments, job titles, and the names of the people hired.

/// The departments, in id order (id = position + 1), with the share of hires each gets.
pub(crate) const DEPARTMENTS: [(&str, u32); 12] = [
    ("Product Management", 8),
    ("Sales", 12),
    ("Research and Development", 9),
    ("Business Development", 7),
    ("Engineering", 22),
    ("Human Resources", 3),
    ("Services", 10),
    ("Support", 14),
    ("Marketing", 6),
    ("Training", 2),
    ("Legal", 2),
    ("Accounting", 5),
];

/// Titles that come in four levels (`Accountant I` to `Accountant IV`): 30 × 4 = 120 jobs.
pub(crate) const LEVELED_TITLES: [&str; 30] = [
    "Accountant",
    "Account Representative",
    "Administrative Assistant",
    "Analyst Programmer",
    "Biostatistician",
    "Budget/Accounting Analyst",
    "Compensation Analyst",
    "Cost Accountant",
    "Database Administrator",
    "Design Engineer",
    "Developer",
    "Engineer",
    "Environmental Specialist",
    "Financial Analyst",
    "Geologist",
    "Graphic Designer",
    "Human Resources Assistant",
    "Information Systems Manager",
    "Legal Assistant",
    "Marketing Analyst",
    "Media Manager",
    "Operator",
    "Programmer Analyst",
    "Quality Engineer",
    "Research Assistant",
    "Safety Technician",
    "Software Test Engineer",
    "Statistician",
    "Support Specialist",
    "Systems Administrator",
];

/// Titles that come plain, `Senior` and `Staff`: 15 × 3 = 45 jobs.
pub(crate) const SENIORITY_TITLES: [&str; 15] = [
    "Software Engineer",
    "Data Scientist",
    "Data Engineer",
    "Product Designer",
    "Product Manager",
    "Site Reliability Engineer",
    "Security Engineer",
    "Frontend Engineer",
    "Backend Engineer",
    "Mobile Engineer",
    "Technical Writer",
    "UX Researcher",
    "Solutions Architect",
    "Account Executive",
    "Business Analyst",
];

/// Titles that exist once: 18 jobs. Some contain a comma, so they are quoted in the file.
pub(crate) const SINGLE_TITLES: [&str; 18] = [
    "VP Sales",
    "VP Marketing",
    "VP Product Management",
    "VP Accounting",
    "VP Quality Control",
    "Director, Sales",
    "Director, Engineering",
    "Director, Human Resources",
    "Chief Design Engineer",
    "General Manager",
    "Recruiter",
    "Marketing Assistant",
    "Marketing Manager",
    "Sales Associate",
    "Sales Representative",
    "Office Assistant",
    "Executive Secretary",
    "Payment Adjustment Coordinator",
];

/// Number of jobs: 120 + 45 + 18.
pub(crate) const JOB_COUNT: usize =
    LEVELED_TITLES.len() * 4 + SENIORITY_TITLES.len() * 3 + SINGLE_TITLES.len();

/// The job titles in id order (id = position + 1), interleaving the three families so that
/// neighbouring ids look like the real file.
pub(crate) fn job_titles() -> Vec<String> {
    let mut leveled = LEVELED_TITLES
        .iter()
        .flat_map(|t| ["I", "II", "III", "IV"].map(|level| format!("{t} {level}")));
    let mut seniority = SENIORITY_TITLES
        .iter()
        .flat_map(|t| [t.to_string(), format!("Senior {t}"), format!("Staff {t}")]);
    let mut single = SINGLE_TITLES.iter().map(|t| t.to_string());
    let mut titles = Vec::with_capacity(JOB_COUNT);
    // Pattern of 10 ids: 6 leveled, 3 seniority, 1 single, until a family runs out.
    let mut position = 0usize;
    while titles.len() < JOB_COUNT {
        let next = match position % 10 {
            0..=5 => leveled.next(),
            6..=8 => seniority.next(),
            _ => single.next(),
        };
        position += 1;
        if let Some(title) = next {
            titles.push(title);
        } else if position > 10 * JOB_COUNT {
            break; // unreachable: the families hold exactly JOB_COUNT titles
        }
    }
    titles
}

/// Share of hires of the job with 0-based index `index`: a Zipf-like curve over a fixed shuffle of
/// the ids, so popular jobs are spread over the whole id range (between ~37× and 1×).
pub(crate) fn job_weight(index: usize) -> u32 {
    let rank = (index * 67) % JOB_COUNT; // 67 is coprime with 183: a permutation
    100_000 / (rank as u32 + 5)
}

/// Given names; a few are not ASCII.
#[rustfmt::skip]
pub(crate) const FIRST_NAMES: [&str; 64] = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra",
    "Marcelo", "Lucía", "José", "María", "Zoë", "Chloé", "François", "Renée", "Jürgen", "Søren",
    "Björn", "Łukasz", "Ana", "Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Lyman", "Ahmed",
    "Fatima", "Wei", "Mei", "Hiroshi", "Yuki", "Priya", "Arjun", "Olga", "Dmitri", "Ingrid",
    "Kwame", "Amara", "Liam", "Noah", "Emma", "Olivia",
];

/// Family names; a few are not ASCII.
#[rustfmt::skip]
pub(crate) const LAST_NAMES: [&str; 64] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hadye",
    "Ñandú", "Muñoz", "Peña", "Gómez", "Díaz", "Müller", "Schäfer", "Østergaard", "Nguyễn",
    "Kowalczyk", "Dvořák", "O'Brien", "Fernández", "Castro", "Silva", "Costa", "Rossi", "Ferrari",
    "Tanaka", "Sato", "Kim", "Park", "Chen", "Wang", "Singh", "Patel", "Ivanova",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_text_that_needs_no_quoting() {
        for name in FIRST_NAMES.iter().chain(&LAST_NAMES) {
            assert!(hiring_domain::Text::parse(name).is_ok(), "{name}");
            assert!(!name.contains([',', '"']), "{name}");
        }
    }
}
