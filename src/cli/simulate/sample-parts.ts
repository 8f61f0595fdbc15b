/**
 * The parts of Tradecloud's reference webhook samples the builders (simulate command and test
 * kit) build their bodies from (companies, addresses, terms, locations), copied from the test
 * kit's samples so that the CLI ships without its test folder. Documents are generated per
 * event by the builders.
 */
export const SAMPLE_ORDER_HEADER = {
  "buyerOrder": {
    "companyId": "3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8",
    "purchaseOrderNumber": "PO2025-004711",
    "supplierAccountNumber": "SUP-20417",
    "description": "Spare parts Q3 replenishment",
    "destination": {
      "code": "WH-RTM",
      "names": [
        "Rotterdam Central Warehouse",
        "Dock 4"
      ],
      "addressLines": [
        "Havenweg 12"
      ],
      "postalCode": "3089 JB",
      "city": "Rotterdam",
      "countryCodeIso2": "NL"
    },
    "terms": {
      "incotermsCode": "DAP",
      "incoterms": "Rotterdam warehouse",
      "paymentTermsCode": "N30",
      "paymentTerms": "30 days net"
    },
    "contact": {
      "email": "inkoop@buyer-example.nl"
    },
    "properties": [
      {
        "key": "costCenter",
        "value": "CC-310"
      }
    ],
    "notes": [
      "Deliver between 07:00 and 15:00"
    ],
    "labels": [],
    "documents": [],
    "orderType": "Purchase"
  },
  "supplierOrder": {
    "companyId": "dcf95157-6451-4be2-a92e-a13a151f9572",
    "buyerAccountNumber": "CUST-00931",
    "description": "Confirmed per sales order SO-77120",
    "contact": {
      "email": "orders@supplier-example.de"
    },
    "properties": [],
    "notes": [],
    "documents": []
  }
};

export const SAMPLE_SHIPMENT_PARTS = {
  "identifiers": {
    "billOfLadingNumber": "RTM-BL-558120",
    "carrierShipmentNumber": "DSV-9921034",
    "trackingNumber": "00340434161094042557"
  },
  "transportMode": "Road transport",
  "locations": {
    "departure": {
      "location": {
        "locationType": "AgreedPlace",
        "id": "4012345000016",
        "idScheme": "GLN",
        "names": [
          "Supplier Example GmbH",
          "Werk Bielefeld"
        ],
        "addressLines": [
          "Industriestrasse 7"
        ],
        "postalCode": "33609",
        "city": "Bielefeld",
        "countryCodeIso": "DE"
      },
      "etdDate": "2025-06-30"
    },
    "destinations": [
      {
        "location": {
          "locationType": "FinalDestination",
          "id": "8712345000019",
          "idScheme": "GLN",
          "names": [
            "Rotterdam Central Warehouse",
            "Dock 4"
          ],
          "addressLines": [
            "Havenweg 12"
          ],
          "postalCode": "3089 JB",
          "city": "Rotterdam",
          "countryCodeIso": "NL"
        },
        "etaStartDate": "2025-07-01",
        "etaStartTime": "07:00:00",
        "etaEndDate": "2025-07-01",
        "etaEndTime": "12:00:00"
      }
    ]
  },
  "supplierShipment": {
    "companyId": "dcf95157-6451-4be2-a92e-a13a151f9572",
    "buyerAccountNumber": "CUST-00931",
    "shipmentNumber": "SHP2025-0345",
    "invoiceNumbers": [
      "INV-2025-18832"
    ],
    "documents": [],
    "contacts": [
      {
        "userId": "6fdc1b1b-f6e8-40c9-9a5d-019d37939b73",
        "email": "logistics@supplier-example.de",
        "firstName": "Jana",
        "lastName": "Keller",
        "position": "Shipping coordinator",
        "phoneNumber": "+49 521 555 0142"
      }
    ]
  },
  "buyerShipment": {
    "companyId": "3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8",
    "supplierAccountNumber": "SUP-20417",
    "documents": [],
    "contacts": [],
    "purchaseOrderTerms": {
      "incotermsCode": "DAP",
      "incoterms": "Rotterdam warehouse",
      "paymentTermsCode": "N30",
      "paymentTerms": "30 days net"
    }
  }
};

/** A deep copy, so a builder can change it freely. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
