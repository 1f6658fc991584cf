/*
 * names.c - word lists for fake people and places.  First and last names
 * are common given names and surnames from many languages, combined at
 * random, so no combination stands for anyone; streets and cities are
 * invented from parts ("Cedar" + " Falls").  Payers are invented too.
 */
#include "core/gen/gen.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *const gen_first_names_f[] = {
	"Aaliyah", "Abigail", "Ada", "Adaeze", "Adriana", "Aisha", "Akosua",
	"Alejandra", "Alice", "Alma", "Amara", "Amelia", "Amina", "Ana",
	"Anahi", "Andrea", "Angela", "Anjali", "Ann", "Annika", "Ariana",
	"Astrid", "Aurora", "Ava", "Ayesha", "Beatriz", "Bella", "Bianca",
	"Bridget", "Brooke", "Camila", "Carla", "Carmen", "Caroline",
	"Catalina", "Celeste", "Chen", "Chiamaka", "Chloe", "Claire", "Clara",
	"Cristina", "Dalia", "Daniela", "Deborah", "Deepa", "Diana", "Dina",
	"Dolores", "Eleanor", "Elena", "Elif", "Eliza", "Elizabeth", "Ella",
	"Emily", "Emma", "Esperanza", "Esther", "Eva", "Fatima", "Fatoumata",
	"Fernanda", "Fiona", "Freya", "Gabriela", "Grace", "Gwen", "Hana",
	"Hannah", "Harper", "Hazel", "Helena", "Hina", "Ifeoma", "Imani",
	"Ines", "Ingrid", "Irene", "Isabel", "Isla", "Jada", "Jasmine",
	"Jennifer", "Jia", "Joanna", "Josephine", "Julia", "Kavya", "Keiko",
	"Kiara", "Kim", "Laila", "Lakshmi", "Laura", "Layla", "Leah", "Leila",
	"Lena", "Lily", "Linh", "Lucia", "Luisa", "Lupe", "Mai", "Malia",
	"Margaret", "Maria", "Mariam", "Marisol", "Maya", "Mei", "Megan",
	"Mia", "Mila", "Miriam", "Naomi", "Natalia", "Nia", "Nadia", "Noor",
	"Nora", "Olivia", "Paloma", "Patricia", "Priya", "Rachel", "Rania",
	"Rebecca", "Renata", "Rosa", "Ruth", "Sakura", "Samira", "Sara",
	"Sienna", "Sofia", "Sophie", "Sunita", "Tamar", "Tanvi", "Teresa",
	"Thandiwe", "Valentina", "Vanessa", "Victoria", "Wanjiru", "Ximena",
	"Yara", "Yasmin", "Yuki", "Zainab", "Zara", "Zoe",
};
const size_t gen_n_first_names_f = COUNT(gen_first_names_f);

const char *const gen_first_names_m[] = {
	"Aarav", "Abdul", "Adam", "Adebayo", "Adrian", "Ahmed", "Aidan",
	"Akira", "Alejandro", "Alexander", "Ali", "Amir", "Andre", "Andrew",
	"Anthony", "Arjun", "Armando", "Benjamin", "Bilal", "Bruno", "Caleb",
	"Carlos", "Charles", "Chidi", "Christopher", "Cristian", "Daniel",
	"Darius", "David", "Diego", "Dmitri", "Dylan", "Eduardo", "Elias",
	"Emeka", "Emmanuel", "Enrique", "Eric", "Ethan", "Farid", "Felipe",
	"Finn", "Francisco", "Gabriel", "George", "Hamza", "Hassan", "Henry",
	"Hiroshi", "Hugo", "Ibrahim", "Ignacio", "Isaac", "Ivan", "Jacob",
	"Jamal", "James", "Jamie", "Javier", "Jayden", "Jin", "Joaquin",
	"John", "Jonah", "Jorge", "Jose", "Joseph", "Juan", "Julian", "Kai",
	"Kamal", "Karim", "Kenji", "Kevin", "Khalid", "Kofi", "Kwame", "Lars",
	"Leo", "Liam", "Luca", "Lucas", "Luis", "Malik", "Manuel", "Marco",
	"Marcus", "Mateo", "Matthew", "Mehmet", "Michael", "Miguel", "Mohamed",
	"Musa", "Nathan", "Nikhil", "Noah", "Obinna", "Oliver", "Omar",
	"Oscar", "Owen", "Pablo", "Patrick", "Paul", "Pedro", "Rafael", "Rahul",
	"Rajesh", "Ricardo", "Robert", "Rohan", "Ryan", "Ryo", "Samuel",
	"Santiago", "Sebastian", "Sergei", "Shawn", "Sipho", "Stefan",
	"Tariq", "Theo", "Thomas", "Tomas", "Tuan", "Tyrone", "Umar", "Victor",
	"Vikram", "William", "Xavier", "Yusuf", "Zaid", "Zhang Wei",
};
const size_t gen_n_first_names_m = COUNT(gen_first_names_m);

const char *const gen_last_names[] = {
	"Abara", "Abbott", "Acosta", "Adeyemi", "Aguilar", "Ahmed", "Akhtar",
	"Alvarez", "Anand", "Andersen", "Appiah", "Arslan", "Asante", "Bailey",
	"Baker", "Banerjee", "Barnes", "Becker", "Bell", "Bennett", "Bhatt",
	"Bianchi", "Bishop", "Brennan", "Brooks", "Bui", "Byrne", "Campbell",
	"Cardenas", "Carter", "Castillo", "Chandra", "Chang", "Chavez", "Chen",
	"Cho", "Choi", "Clarke", "Coleman", "Contreras", "Cruz", "Dang",
	"Das", "Davies", "Delgado", "Diallo", "Diaz", "Dominguez", "Doyle",
	"Dubois", "Duncan", "Edwards", "Eze", "Farouk", "Fernandes", "Fischer",
	"Flores", "Fontaine", "Foster", "Fujita", "Gallagher", "Garcia",
	"Ghosh", "Gomez", "Gonzalez", "Gordon", "Greene", "Gupta", "Gutierrez",
	"Haddad", "Hall", "Hansen", "Harris", "Hayes", "Hernandez", "Hoang",
	"Hughes", "Hussain", "Ibrahim", "Iyer", "Jackson", "Jansen", "Jensen",
	"Jimenez", "Johansson", "Joshi", "Kamara", "Kaplan", "Kaur", "Kelly",
	"Khan", "Kim", "Kowalski", "Kumar", "Larsen", "Le", "Lee", "Lewis",
	"Li", "Lin", "Liu", "Lopez", "Lundqvist", "Mahmoud", "Malik",
	"Martinez", "Mbeki", "McCarthy", "Medina", "Mehta", "Mendoza", "Meyer",
	"Mitchell", "Mohammed", "Molina", "Morales", "Moreno", "Murphy",
	"Mwangi", "Nakamura", "Nasser", "Nguyen", "Novak", "Nowak", "Nunez",
	"Obi", "Odhiambo", "Okafor", "Okonkwo", "Oliveira", "Ortiz", "Osei",
	"Owusu", "Ozturk", "Park", "Patel", "Pereira", "Perez", "Petrov",
	"Pham", "Phillips", "Popescu", "Quinn", "Ramirez", "Ramos", "Rao",
	"Reddy", "Reyes", "Rivera", "Robinson", "Rodriguez", "Romero", "Rossi",
	"Sanchez", "Santos", "Sato", "Schmidt", "Schneider", "Sharma",
	"Silva", "Singh", "Sokolov", "Soto", "Suarez", "Sullivan", "Suzuki",
	"Takahashi", "Tanaka", "Taylor", "Thompson", "Torres", "Tran",
	"Turner", "Vargas", "Vasquez", "Vega", "Vu", "Wagner", "Walker",
	"Wang", "Washington", "Watanabe", "Weber", "Williams", "Wilson",
	"Wong", "Wu", "Xu", "Yamamoto", "Yang", "Yilmaz", "Young", "Zhang",
	"Zhao", "Zhou", "Zielinski",
};
const size_t gen_n_last_names = COUNT(gen_last_names);

const char *const gen_street_names[] = {
	"Alder Lane", "Amber Court", "Ash Street", "Aspen Way", "Birch Road",
	"Bluebell Drive", "Briar Path", "Brookside Avenue", "Canal Street",
	"Cedar Avenue", "Chestnut Street", "Clover Lane", "Copper Road",
	"Cypress Court", "Dogwood Drive", "Elm Street", "Fern Way",
	"Fieldstone Road", "Foxglove Lane", "Garden Street", "Glen Avenue",
	"Harbor View", "Hawthorn Street", "Heron Way", "Hillcrest Road",
	"Holly Court", "Iris Lane", "Juniper Street", "Lake Shore Drive",
	"Larkspur Lane", "Laurel Avenue", "Lilac Way", "Linden Street",
	"Magnolia Drive", "Maple Avenue", "Meadow Lane", "Mill Road",
	"Mulberry Street", "Oak Street", "Orchard Road", "Park Place",
	"Pine Street", "Poplar Avenue", "Quarry Road", "Railroad Street",
	"Ridge Road", "River Road", "Rosewood Court", "Sage Street",
	"School Street", "Spring Street", "Spruce Way", "Stone Bridge Road",
	"Sumac Lane", "Sycamore Street", "Thistle Court", "Valley View Road",
	"Walnut Street", "Willow Way", "Wren Court",
};
const size_t gen_n_street_names = COUNT(gen_street_names);

const char *const gen_city_parts[] = {
	"Alder", "Amber", "Ash", "Bell", "Birch", "Bright", "Brook", "Cedar",
	"Clear", "Copper", "Crane", "Deer", "East", "Elm", "Fair", "Fern",
	"Fox", "Glen", "Green", "Hazel", "Heron", "High", "Holly", "Iron",
	"Lake", "Lark", "Linden", "Maple", "Meadow", "Mill", "North", "Oak",
	"Pine", "Red", "River", "Rock", "Rose", "Silver", "Spring", "Stone",
	"Sun", "West", "Willow", "Wolf",
};
const size_t gen_n_city_parts = COUNT(gen_city_parts);

const char *const gen_city_suffixes[] = {
	" Falls", " Harbor", " Springs", " Valley", " Crossing", " Hills",
	"brook", "field", "ford", "haven", "mont", "ridge", "ton", "ville",
	"wood",
};
const size_t gen_n_city_suffixes = COUNT(gen_city_suffixes);

const char *const gen_payers[] = {
	"Evergreen Health Plan", "Harborview Mutual", "Keystone Care Alliance",
	"Lakeshore Benefit Trust", "Meridian Health Cooperative",
	"Northwind Insurance", "Riverbend Health", "Summit Family Coverage",
	"Self-pay",
};
const size_t gen_n_payers = COUNT(gen_payers);
